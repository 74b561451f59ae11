// A script step's provider stream (providers/text-stream.ts) speaks each provider's own protocol, against
// the fake providers' copies of them: text and the reported usage from all five, the provider's in-stream
// error as an error part, a refused request as an APICallError without the key, a redirect not followed.
import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import type { ProviderId } from '~/lib/providers';
import { openTextStream, type TextPart } from '~/server/providers/text-stream';
import { canaryKey } from '../helpers/canary';
import { callsWithKey } from '../helpers/fake-providers';

const MODELS: Record<ProviderId, { prefix: string; model: string }> = {
  anthropic: { prefix: 'sk-ant-api03-', model: 'claude-haiku-4-5-20251001' },
  openai: { prefix: 'sk-proj-', model: 'gpt-4.1-mini' },
  google: { prefix: 'AIza', model: 'gemini-2.5-flash' },
  xai: { prefix: 'xai-', model: 'grok-4' },
  mistral: { prefix: 'M', model: 'mistral-small-latest' },
};

const request = (provider: ProviderId, apiKey: string, signal = new AbortController().signal, model = MODELS[provider].model) => ({
  provider, apiKey, modelId: model, system: 'Write a script.', prompt: 'A lighthouse at dawn', maxOutputTokens: 64, signal,
});

async function collect(parts: AsyncGenerator<TextPart>): Promise<TextPart[]> {
  const out: TextPart[] = [];
  for await (const p of parts) out.push(p);
  return out;
}

describe('script step provider streams', () => {
  for (const provider of Object.keys(MODELS) as ProviderId[]) {
    it(`${provider}: the text as it comes, then the usage the provider reported`, async () => {
      const key = canaryKey(MODELS[provider].prefix);
      const parts = await collect(await openTextStream(request(provider, key)));
      const deltas = parts.filter((p) => p.type === 'text-delta');
      expect(deltas.length).toBeGreaterThan(1);
      const finish = parts.at(-1);
      expect(finish?.type).toBe('finish');
      if (finish?.type !== 'finish') return;
      expect(finish.usage.inputTokens).toBeGreaterThan(0);
      expect(finish.usage.outputTokens).toBe(deltas.length);
      expect(await callsWithKey(key)).toHaveLength(1);
    });
  }

  it('asks OpenAI for a token cap its reasoning models accept', async () => {
    const parts = await collect(await openTextStream(request('openai', canaryKey('sk-proj-'), undefined, 'o4-mini')));
    expect(parts.at(-1)?.type).toBe('finish');
  });

  for (const provider of ['anthropic', 'openai', 'google'] as const) {
    it(`${provider}: an error in the stream is an error part after the text so far, with no finish`, async () => {
      const parts = await collect(await openTextStream(request(provider, canaryKey(`${MODELS[provider].prefix}x-midstream-`))));
      expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0);
      expect(parts.at(-1)?.type).toBe('error');
      expect(parts.some((p) => p.type === 'finish')).toBe(false);
    });
  }

  it('refuses with the provider’s status and a body without the key, even when the provider echoes it', async () => {
    const key = canaryKey('sk-proj-x-echo-');
    const refused = await openTextStream(request('openai', key)).catch((e: unknown) => e);
    expect(APICallError.isInstance(refused)).toBe(true);
    const e = refused as APICallError;
    expect(e.statusCode).toBe(401);
    expect(e.responseBody).not.toContain(key);
    expect(JSON.stringify(e)).not.toContain(key);
  });

  it('does not follow a redirect (it would carry the key): the provider counts as failing', async () => {
    const refused = await openTextStream(request('anthropic', canaryKey('sk-ant-api03-x-redirect-'))).catch((e: unknown) => e);
    expect(APICallError.isInstance(refused)).toBe(true);
    expect((refused as APICallError).statusCode).toBe(502);
  });

  it('lets go of an event that never ends once it passes the cap: no usage, so the step fails as broken', async () => {
    // The fake sends 4 MB into one event and then nothing: a reader that held on would wait for ever.
    const parts = await collect(await openTextStream(request('openai', canaryKey('sk-proj-x-endless-'))));
    expect(parts.map((p) => p.type)).toEqual(['text-delta']);
  }, 10_000);

  it('stops reading when aborted mid-stream', async () => {
    const controller = new AbortController();
    const parts = await openTextStream(request('anthropic', canaryKey('sk-ant-api03-x-stall-'), controller.signal));
    const first = await parts.next();
    expect(first.value?.type).toBe('text-delta');
    const next = parts.next();
    controller.abort(new Error('cancelled'));
    await expect(next).rejects.toThrow();
  });
});
