import 'server-only';
// The script step: the provider's stream (providers/text-stream.ts; the decrypted key lives only for
// that request), failover to the provider's next key or platform credits when a key fails before any
// output, and settlement from the usage the provider reports. No automatic retry that could bill twice.
import type { RunEvent, StepView } from '~/lib/schemas/generation';
import type { Tier } from '~/lib/schemas/models';
import { PROVIDERS } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { platformKey } from '~/server/providers/sdk';
import { openTextStream, type TextPart } from '~/server/providers/text-stream';
import { markKeyRejected } from '~/server/services/keys/writer';
import { keyFailureOf, POLICY_WORDS } from '~/server/services/keys/selection';
import { textCredits } from '~/server/services/pricing';
import { decryptStoredKey } from '~/server/vault/decrypt';
import { MasterKeyUnavailable } from '~/server/vault/keyring';
import { type Classified, classifyRunError, runErrorMessage } from './messages';
import { type Actor, estimateInputTokens, MAX_OUTPUT_TOKENS, nextOrFallback, type ScriptPlan, SYSTEM, type Ws } from './plan';
import type { RunLedger } from './run-ledger';
import { type StepResult, updateStep } from './steps';

/** A script step's attempts: its key, the provider's other keys in order, then platform credits. */
const MAX_SCRIPT_ATTEMPTS = 6;

export type Credential = { apiKey: string; failure: null } | { apiKey: null; failure: Classified };

/** The key a script step calls its provider with: the workspace's (decrypted here) or the platform's. */
export async function credentialFor(db: Db, actor: Actor, plan: ScriptPlan): Promise<Credential> {
  if (plan.source !== 'byok' || !plan.stored) return { apiKey: platformKey(plan.provider) ?? '', failure: null };
  try {
    return { apiKey: await decryptStoredKey(db, plan.stored, actor.id), failure: null };
  } catch (e) {
    // Our key service being down is not the key's fault: no fallback to credits, nothing flagged.
    return { apiKey: null, failure: { code: e instanceof MasterKeyUnavailable ? 'master_key_unavailable' : 'key_unreadable', retryAfterSeconds: null } };
  }
}


/**
 * A provider stream, aborted when it stays silent for STREAM_IDLE_TIMEOUT_MS or when stopped before its
 * end. `stop(true)` after the stream was read to its end: nothing is left to abort. Only the first stop counts.
 */
type OpenStream = { parts: Promise<AsyncGenerator<TextPart>>; signal: AbortSignal; touch(): void; stop(drained?: boolean): void };
export type Attempt = { failure: Classified | null; stream: OpenStream | null };

/** Starts the provider request at once (the key is not kept beyond this call). */
export function openAttempt(plan: ScriptPlan, credential: Credential, prompt: string, signal?: AbortSignal): Attempt {
  if (credential.failure) return { failure: credential.failure, stream: null };
  // One controller and one timer per stream, not a timer per chunk or a composite signal: both showed in
  // the run path's profile.
  const controller = new AbortController();
  const onCancel = () => controller.abort(signal?.reason);
  if (signal?.aborted) onCancel();
  else signal?.addEventListener('abort', onCancel, { once: true });
  const idleMs = serverEnv().STREAM_IDLE_TIMEOUT_MS;
  let lastActive = performance.now();
  const watch = () => {
    const quiet = performance.now() - lastActive;
    if (quiet >= idleMs) controller.abort(new Error('the provider went silent'));
    else timer = setTimeout(watch, idleMs - quiet);
  };
  let timer = setTimeout(watch, idleMs);
  let stopped = false;
  // On the gateway's upstream connections, read off the socket (providers/text-stream.ts). No retry:
  // a retry could bill twice.
  const parts = openTextStream({
    provider: plan.provider, apiKey: credential.apiKey, modelId: plan.modelId, system: SYSTEM, prompt, maxOutputTokens: MAX_OUTPUT_TOKENS, signal: controller.signal,
  });
  parts.catch(() => {}); // read, and a failure classified, by the step
  return {
    failure: null,
    stream: {
      parts,
      signal: controller.signal,
      touch: () => {
        lastActive = performance.now();
      },
      stop: (drained = false) => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onCancel);
        if (!drained) controller.abort(new Error('the step ended'));
      },
    },
  };
}

/** An error's name and code (and its cause's code): never its message, which may quote a provider. */
function errorShape(e: unknown): { name?: string; code?: string } {
  const o = (e && typeof e === 'object' ? e : {}) as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  const code = o.code ?? o.cause?.code;
  return { name: typeof o.name === 'string' ? o.name : typeof e, code: typeof code === 'string' ? code : undefined };
}

/**
 * The next part, or a rejection as soon as the request is aborted, whatever the body's state: a run
 * cancelled just as its provider finished must not wait on a read that nothing will end.
 */
function readUnlessAborted<T>(parts: AsyncGenerator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      parts.return(undefined).catch(() => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    parts.next().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function* scriptStep(
  db: Db,
  actor: Actor,
  ws: Ws,
  ledger: RunLedger,
  s: {
    runId: string; stepId: string; plan: ScriptPlan; prompt: string; reservationId?: string; tier: Tier;
    /** The first attempt, opened while the run was written. */
    first: Attempt & { step: StepView };
  },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent, StepResult> {
  let { plan } = s;
  let reservationId = s.reservationId;
  let stepId = s.stepId;
  // The first key, then each of the provider's other keys in order, then the platform (keys/selection.ts).
  for (let attempt = 0; attempt < MAX_SCRIPT_ATTEMPTS; attempt++) {
    let opened: Attempt;
    let step: StepView;
    if (attempt === 0) {
      ({ step, ...opened } = s.first);
    } else {
      // A fallback step: its bookkeeping runs while the provider prepares its first token.
      const running = updateStep(db, stepId, { status: 'running', startedAt: new Date() });
      running.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
      opened = openAttempt(plan, await credentialFor(db, actor, plan), s.prompt, signal);
      try {
        step = await running;
      } catch (e) {
        opened.stream?.stop();
        throw e;
      }
    }
    let failure = opened.failure;
    let text = '';
    let usage: { inputTokens: number; outputTokens: number } | null = null;
    let cancelled = false;
    // What broke a stream that was not refused (a reset, a timeout): its name and code only, for the log.
    let broke: { name?: string; code?: string } | undefined;
    const stream = opened.stream;
    let drained = false;
    try {
      yield { type: 'step', step };
      if (stream) {
        let lastBeat = Date.now();
        try {
          // A refused request rejects here; an aborted one (cancel, idle timeout) rejects a read.
          const parts = await stream.parts;
          for (;;) {
            const { done, value: part } = await readUnlessAborted(parts, stream.signal);
            if (done) {
              drained = true;
              break;
            }
            stream.touch();
            if (part.type === 'text-delta' && part.delta) {
              text += part.delta;
              yield { type: 'delta', text: part.delta };
              if (Date.now() - lastBeat > 5_000) {
                lastBeat = Date.now();
                await db.generationRun.update({ where: { id: s.runId }, data: { heartbeatAt: new Date() } });
              }
            } else if (part.type === 'error') {
              failure = classifyRunError(plan.provider, part.error, text.length > 0);
              break;
            } else if (part.type === 'finish') {
              usage = part.usage;
            }
          }
        } catch (e) {
          if (signal?.aborted) cancelled = true;
          else {
            failure = classifyRunError(plan.provider, e, text.length > 0);
            broke = errorShape(e);
          }
        }
        if (!failure && !cancelled && !usage) {
          failure = { code: text ? 'stream_interrupted' : 'provider_unavailable', retryAfterSeconds: null };
          broke = { name: 'ended without usage' };
        }
      }
    } finally {
      stream?.stop(drained); // however the step ended, no provider request outlives it
    }
    const byok = plan.source === 'byok';
    if (cancelled) {
      if (reservationId) await ledger.release(reservationId);
      yield { type: 'step', step: await updateStep(db, stepId, { status: 'cancelled', text, errorCode: 'cancelled', finishedAt: new Date() }) };
      return { credits: 0, failure: { status: 'cancelled', code: 'cancelled', message: runErrorMessage('cancelled', null, false) } };
    }
    if (!failure && usage) {
      const credits = plan.price && reservationId ? await ledger.settle(reservationId, textCredits(plan.price, usage.inputTokens, usage.outputTokens)) : 0;
      const done = { status: 'succeeded', text, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, credits, finishedAt: new Date() };
      yield { type: 'step', step: await updateStep(db, stepId, done) };
      return { credits, failure: null };
    }

    // Failed: nothing is charged for it.
    const f = failure!;
    if (reservationId) await ledger.release(reservationId);
    yield { type: 'step', step: await updateStep(db, stepId, { status: 'failed', text: text || null, errorCode: f.code, finishedAt: new Date() }) };
    log.warn({ runId: s.runId, provider: plan.provider, source: plan.source, code: f.code, broke }, 'script step failed');
    if (byok && plan.keyId && f.code === 'invalid_key') {
      await markKeyRejected(db, { workspaceId: ws.id, keyId: plan.keyId });
    }

    // A BYOK key that failed before producing anything: the provider's next key, else platform credits if the policy allows.
    const keyFailure = keyFailureOf(f.code);
    if (byok && keyFailure && !text && attempt + 1 < MAX_SCRIPT_ATTEMPTS) {
      let next: ScriptPlan;
      try {
        next = await nextOrFallback(db, ws, s.tier, plan, keyFailure, `your ${PROVIDERS[plan.provider].name} key could not serve (${f.code.replace(/_/g, ' ')})`);
        reservationId = next.price ? await ledger.reserve(textCredits(next.price, estimateInputTokens(s.prompt), MAX_OUTPUT_TOKENS), `run ${s.runId} script fallback`) : undefined;
      } catch (e) {
        const why = runErrorMessage(f.code, plan.provider, true, f.retryAfterSeconds);
        if (e instanceof AppError && e.reason === 'no_usable_key') {
          return { credits: 0, failure: { status: 'failed', code: f.code, message: `${why} ${POLICY_WORDS[plan.fallbackPolicy]}, so nothing was charged.` } };
        }
        return { credits: 0, failure: { status: 'failed', code: e instanceof AppError ? e.reason : f.code, message: e instanceof AppError ? e.message : why } };
      }
      stepId = newId();
      await db.generationStep.create({
        data: { id: stepId, runId: s.runId, kind: 'script', provider: next.provider, modelId: next.modelId, credentialSource: next.source, keyId: next.keyId, reservationId },
      });
      const previous = plan;
      plan = next;
      yield {
        type: 'notice',
        text: next.source === 'byok'
          ? `${runErrorMessage(f.code, previous.provider, true, f.retryAfterSeconds)} This run continues with your next ${PROVIDERS[next.provider].name} key (${next.stored?.label ?? ''}).`
          : `${runErrorMessage(f.code, previous.provider, true)} This run continues on platform credits with ${PROVIDERS[next.provider].name} ${next.modelId}.`,
      };
      continue;
    }
    return { credits: 0, failure: { status: 'failed', code: f.code, message: runErrorMessage(f.code, plan.provider, byok, f.retryAfterSeconds) } };
  }
  return { credits: 0, failure: { status: 'failed', code: 'provider_unavailable', message: runErrorMessage('provider_unavailable', plan.provider, false) } };
}
