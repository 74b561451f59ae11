import 'server-only';
// Probes are a free oracle for stolen keys, so every path that probes a key (add, replace, verify, the AI
// config and the user AI defaults) takes one slot from the same counters: per user, per workspace (when
// there is one), per client address, and a ceiling for the whole platform. The counters live in the
// database, so the limits hold across app instances and across a user's accounts on one address.
import type { Db } from '~/server/db/connect';
import { consumeLimits, type LimitCheck, type LimitRule } from '~/server/services/rate-limit';

export const PROBES_PER_MINUTE = 10;

export const PROBE_LIMITS = {
  user: { name: 'probe:user', points: PROBES_PER_MINUTE, duration: 60 },
  workspace: { name: 'probe:ws', points: PROBES_PER_MINUTE, duration: 60 },
  address: { name: 'probe:ip', points: 2 * PROBES_PER_MINUTE, duration: 60 },
  platform: { name: 'probe:all', points: 600, duration: 60 },
} satisfies Record<string, LimitRule>;

export type ProbeRequester = { userId: string; workspaceId: string | null; clientIp: string | null };

export async function takeProbeSlot(db: Db, who: ProbeRequester): Promise<void> {
  const checks: LimitCheck[] = [
    { rule: PROBE_LIMITS.user, key: who.userId },
    { rule: PROBE_LIMITS.platform, key: 'all' },
  ];
  if (who.workspaceId) checks.push({ rule: PROBE_LIMITS.workspace, key: who.workspaceId });
  if (who.clientIp) checks.push({ rule: PROBE_LIMITS.address, key: who.clientIp });
  await consumeLimits(db, checks, {
    message: `Too many key checks: at most ${PROBES_PER_MINUTE} a minute. Wait a minute and try again.`,
    reason: 'probe_rate_limited',
  });
}
