import 'server-only';
// Caps on the event streams open on this instance: per user (SSE_MAX_PER_USER, whichever session or
// personal access token opened them, so more tokens do not buy more streams) and per run
// (SSE_MAX_PER_RUN). Each stream holds a socket, a keep-alive timer and a place in its run's feed; a
// caller over a cap gets 429 before anything is held. The counts are per process: a deployment's
// instances each allow as many (a client cannot spread one socket over several).
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';

const byUser = new Map<string, number>();
const byRun = new Map<string, number>();

/** Seconds a refused client is told to wait: long enough not to hammer, short for a tab that closed. */
const RETRY_AFTER_S = 5;

export type StreamSlot = { release(): void };

function bump(m: Map<string, number>, key: string, by: 1 | -1) {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

/** Takes a place for one stream of `userId` on `runId`, or refuses (429) when either is at its cap. */
export function takeStreamSlot({ userId, runId }: { userId: string; runId: string }): StreamSlot {
  const env = serverEnv();
  if ((byUser.get(userId) ?? 0) >= env.SSE_MAX_PER_USER) {
    throw new AppError('TOO_MANY_REQUESTS', `You have ${env.SSE_MAX_PER_USER} event streams open already. Close one (another tab or client) and try again.`, 'too_many_streams', { retryAfterSeconds: RETRY_AFTER_S });
  }
  if ((byRun.get(runId) ?? 0) >= env.SSE_MAX_PER_RUN) {
    throw new AppError('TOO_MANY_REQUESTS', `This run has ${env.SSE_MAX_PER_RUN} event streams open already. Try again shortly, or read the run instead.`, 'too_many_streams', { retryAfterSeconds: RETRY_AFTER_S });
  }
  bump(byUser, userId, 1);
  bump(byRun, runId, 1);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      bump(byUser, userId, -1);
      bump(byRun, runId, -1);
    },
  };
}

/** The streams open on this instance, in all (0 once every stream has ended: nothing leaked). */
export function openStreamCount(): number {
  let n = 0;
  for (const v of byUser.values()) n += v;
  return n;
}
