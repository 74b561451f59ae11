import 'server-only';
// Which of a workspace's keys may serve a call, in which order, and what happens when they cannot: the
// rules the gateway (gateway/credentials.ts, gateway/routes.ts) and Content Studio runs
// (services/generation/plan.ts) share, so a paused key, the failover order and the fallback policy mean the
// same on both paths. Pure functions over rows the callers have already read.
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import { FALLBACK_POLICIES } from '~/lib/schemas/tiers';

/** Why the workspace's own key could not serve (a missing or paused key included). */
export type KeyFailure =
  | 'missing'
  | 'paused'
  | 'rate_limited'
  | 'no_credit'
  | 'provider_unavailable'
  | 'invalid_key'
  | 'permission_denied'
  | 'key_unreadable';

export function toFallbackPolicy(stored: string | null | undefined): FallbackPolicy {
  return (FALLBACK_POLICIES as readonly string[]).includes(stored ?? '') ? (stored as FallbackPolicy) : 'always';
}

/** The failures that are about the key's limits, not the key itself: `on_limits` falls back on these only. */
const LIMITS: ReadonlySet<KeyFailure> = new Set(['rate_limited', 'no_credit']);

/** Whether platform credits may serve a call the workspace's keys could not, under `policy`. */
export function fallbackAllowed(policy: FallbackPolicy, failure: KeyFailure): boolean {
  if (policy === 'always') return true;
  if (policy === 'on_limits') return LIMITS.has(failure);
  return false;
}

/**
 * Whether the provider's next key is tried after this failure: limits and outages are the key's (or its
 * account's) and another key may well work; a rejected key says nothing about the others, but trying them
 * costs nothing, so they are tried too. A missing or paused key simply is not in the order.
 */
export function failsOver(failure: KeyFailure): boolean {
  return failure !== 'missing' && failure !== 'paused';
}

/** A run's or a call's outcome code as a key failure, or null when it is not the key's (a bad request, a cut stream). */
export function keyFailureOf(code: string): KeyFailure | null {
  switch (code) {
    case 'rate_limited':
    case 'no_credit':
    case 'provider_unavailable':
    case 'invalid_key':
    case 'permission_denied':
    case 'key_unreadable':
      return code;
    case 'key_paused':
      return 'paused';
    default:
      return null;
  }
}

type OrderedKey = { id: string; position: number; createdAt?: Date; pausedAt: Date | null; status: string };

/** A key that may serve calls: not paused by an owner, and readable. */
export function isServing(k: Pick<OrderedKey, 'pausedAt' | 'status'>): boolean {
  return k.pausedAt === null && k.status !== 'needs_reentry';
}

/** The keys in failover order (position, then age), serving ones only. */
export function servingOrder<K extends OrderedKey>(keys: readonly K[]): K[] {
  return keys
    .filter(isServing)
    .sort((a, b) => a.position - b.position || (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || a.id.localeCompare(b.id));
}

/** Owner-facing words for a failure, for refusals and notices. */
export function failureWords(failure: KeyFailure): string {
  switch (failure) {
    case 'missing':
      return 'there is no key';
    case 'paused':
      return 'the key is paused';
    case 'rate_limited':
      return 'the key is rate-limited';
    case 'no_credit':
      return 'the key is out of credit';
    case 'provider_unavailable':
      return 'the provider did not respond';
    case 'invalid_key':
      return 'the key was rejected';
    case 'permission_denied':
      return 'the key lacks permission';
    case 'key_unreadable':
      return 'the key can no longer be read';
  }
}

export const POLICY_WORDS: Record<FallbackPolicy, string> = {
  never: 'Fallback to platform credits is off for this workspace',
  on_limits: 'This workspace falls back to platform credits only when its keys are rate-limited or out of credit',
  always: 'This workspace falls back to platform credits on any key problem',
};
