// Sign-in throttling per account, on top of the auth library's per-address limit (which a botnet or a
// shared address defeats). Backoff, not lock-out: an account's first attempts since its last successful
// sign-in go through freely; from then on each attempt opens a waiting window during which no other
// attempt on that account is checked, and each window is twice as long as the one before, up to
// SIGN_IN_MAX_WAIT_SECONDS. So a guesser gets a handful of tries an hour, while the owner, whoever else
// is trying, waits at most that long for a turn. A successful sign-in resets the account.
//
// This is rate-limiter-flexible's "login endpoint protection" with the backoff of its ExpressBrute port:
// each window is claimed atomically in the shared counter table (one attempt wins it, concurrent ones
// are refused), so the limit holds across requests in flight and across app instances.
import { createHash } from 'node:crypto';
import type { Db } from '~/server/db/connect';
import { limiterFor, type LimitRule } from '~/server/services/rate-limit';

/** Attempts since the last successful sign-in that go through without waiting. */
export const SIGN_IN_FREE_ATTEMPTS = 5;
export const SIGN_IN_FIRST_WAIT_SECONDS = 2;
export const SIGN_IN_MAX_WAIT_SECONDS = 15 * 60;
// A day without any attempt forgets an account's failures.
const MEMORY_SECONDS = 24 * 60 * 60;

export const SIGN_IN_LIMITS = {
  /** Attempts since the last success (points only matter as the free allowance). */
  attempts: { name: 'sign-in:attempts', points: SIGN_IN_FREE_ATTEMPTS, duration: MEMORY_SECONDS },
  /** Waiting windows opened so far: each one is twice as long as the one before. */
  windows: { name: 'sign-in:windows', points: 1, duration: MEMORY_SECONDS },
  /** The current waiting window: the attempt that opens it is the only one it lets through. */
  wait: { name: 'sign-in:wait', points: 1, duration: SIGN_IN_FIRST_WAIT_SECONDS },
} satisfies Record<string, LimitRule>;

/** The counters' key for an email address: a digest, so the counter table holds no addresses. */
export function accountKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
}

export type SignInTurn = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts a sign-in attempt on an account and says whether it may be checked now. */
export async function takeSignInTurn(db: Db, email: string): Promise<SignInTurn> {
  const key = accountKey(email);
  const attempt = await limiterFor(db, SIGN_IN_LIMITS.attempts).penalty(key);
  if (attempt.consumedPoints < SIGN_IN_FREE_ATTEMPTS) return { allowed: true };
  const opened = (await limiterFor(db, SIGN_IN_LIMITS.windows).get(key))?.consumedPoints ?? 0;
  const wait = Math.min(SIGN_IN_MAX_WAIT_SECONDS, SIGN_IN_FIRST_WAIT_SECONDS * 2 ** opened);
  const window = await limiterFor(db, SIGN_IN_LIMITS.wait).penalty(key, 1, { customDuration: wait });
  if (window.consumedPoints > 1) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(window.msBeforeNext / 1000)) };
  await limiterFor(db, SIGN_IN_LIMITS.windows).penalty(key);
  return { allowed: true };
}

/** A successful sign-in: the account starts afresh. */
export async function resetSignInTurns(db: Db, email: string): Promise<void> {
  const key = accountKey(email);
  await Promise.all(Object.values(SIGN_IN_LIMITS).map((rule) => limiterFor(db, rule).delete(key)));
}

/** "Try again in 3 minutes." */
export function signInWaitMessage(retryAfterSeconds: number): string {
  const wait =
    retryAfterSeconds < 60
      ? `${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`
      : `${Math.ceil(retryAfterSeconds / 60)} minute${Math.ceil(retryAfterSeconds / 60) === 1 ? '' : 's'}`;
  return `Too many failed sign-ins for this account. Try again in ${wait}.`;
}
