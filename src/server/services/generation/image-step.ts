import 'server-only';
// The image step: the platform's image model, always on credits, settled per image actually made.
import { generateImage } from 'ai';
import type { RunEvent } from '~/lib/schemas/generation';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { imageModelFor, platformKey } from '~/server/providers/sdk';
import { classifyRunError, runErrorMessage } from './messages';
import type { Ws } from './plan';
import type { RunLedger } from './run-ledger';
import { type StepResult, updateStep } from './steps';

const OPENAI_SIZES: Record<string, `${number}x${number}`> = {
  '1:1': '1024x1024', '16:9': '1536x1024', '4:3': '1536x1024', '9:16': '1024x1536', '3:4': '1024x1536',
};

export async function* imageStep(
  db: Db,
  ws: Ws,
  ledger: RunLedger,
  s: { runId: string; stepId: string; image: { provider: 'openai' | 'google'; modelId: string; perImage: number }; count: number; aspectRatio: string; prompt: string; reservationId: string },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent, StepResult> {
  yield { type: 'step', step: await updateStep(db, s.stepId, { status: 'running', startedAt: new Date() }) };
  let made = 0;
  let failure: StepResult['failure'] = null;
  try {
    const model = imageModelFor(s.image.provider, platformKey(s.image.provider) ?? '', s.image.modelId);
    // Gemini makes one image per call; OpenAI several.
    const calls = s.image.provider === 'google' ? Array.from({ length: s.count }, () => 1) : [s.count];
    for (const n of calls) {
      const r = await generateImage({
        model,
        prompt: s.prompt,
        n,
        ...(s.image.provider === 'openai' ? { size: OPENAI_SIZES[s.aspectRatio] } : { aspectRatio: s.aspectRatio as `${number}:${number}` }),
        maxRetries: 0,
        abortSignal: signal,
      });
      for (const img of r.images) {
        const id = newId();
        await db.generatedImage.create({ data: { id, runId: s.runId, workspaceId: ws.id, mimeType: img.mediaType || 'image/png', data: new Uint8Array(img.uint8Array) } });
        made++;
        yield { type: 'image', imageId: id };
      }
    }
  } catch (e) {
    failure = signal?.aborted
      ? { status: 'cancelled', code: 'cancelled', message: runErrorMessage('cancelled', null, false) }
      : { status: 'failed', code: 'image_failed', message: runErrorMessage('image_failed', null, false) };
    log.warn({ runId: s.runId, provider: s.image.provider, code: classifyRunError(s.image.provider, e, false).code }, 'image step failed');
  }
  const charged = await ledger.settle(s.reservationId, made * s.image.perImage);
  const done = { status: failure ? failure.status : 'succeeded', errorCode: failure?.code ?? null, credits: charged, finishedAt: new Date() };
  yield { type: 'step', step: await updateStep(db, s.stepId, done) };
  return { credits: charged, failure };
}
