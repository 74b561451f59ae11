import 'server-only';
// Rate limits that hold across app instances: rate-limiter-flexible over its Prisma store (table
// rate_limit), fixed windows counted in the database. Every limited action names its rules here, so the
// numbers live in one place and one counter serves every path of an action (a probe from adding,
// replacing or verifying a key, the AI config or the AI defaults all count as one probe).
import { RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';

export type LimitRule = {
  /** Distinguishes counters: `<name>:<key>` is the row. */
  name: string;
  points: number;
  /** Window length in seconds. */
  duration: number;
};

// One limiter object per database client and rule (they hold no state beyond their options).
const limiters = new WeakMap<Db, Map<string, RateLimiterPrisma>>();

export function limiterFor(db: Db, rule: LimitRule): RateLimiterPrisma {
  let byRule = limiters.get(db);
  if (!byRule) limiters.set(db, (byRule = new Map()));
  let limiter = byRule.get(rule.name);
  if (!limiter) {
    limiter = new RateLimiterPrisma({
      storeClient: db,
      tableName: 'rateLimiterFlexible',
      keyPrefix: rule.name,
      points: rule.points,
      duration: rule.duration,
      // Expired rows are purged by purgeExpiredLimits (the server's periodic maintenance), not by a timer
      // per limiter object.
      clearExpiredByTimeout: false,
    });
    byRule.set(rule.name, limiter);
  }
  return limiter;
}

export type LimitCheck = { rule: LimitRule; key: string };

/**
 * Counts one attempt against every check and refuses (429, with the wait in `retryAfterSeconds`) when any
 * of them is over its limit. All counters are charged, so an attempt refused by one rule still counts
 * against the others for the rest of their windows.
 */
export async function consumeLimits(
  db: Db,
  checks: LimitCheck[],
  refusal: { message: string; reason: string },
): Promise<void> {
  const results = await Promise.allSettled(checks.map((c) => limiterFor(db, c.rule).consume(c.key)));
  let waitMs = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    if (!(r.reason instanceof RateLimiterRes)) throw r.reason; // the store failed: not a refusal
    waitMs = Math.max(waitMs, r.reason.msBeforeNext);
  }
  if (waitMs > 0 || results.some((r) => r.status === 'rejected')) {
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new AppError('TOO_MANY_REQUESTS', refusal.message, refusal.reason, { retryAfterSeconds });
  }
}

/** Deletes counters whose window ended more than an hour ago. */
export async function purgeExpiredLimits(db: Db, now = new Date()): Promise<number> {
  const r = await db.rateLimiterFlexible.deleteMany({ where: { expire: { lt: new Date(now.getTime() - 3_600_000) } } });
  return r.count;
}
