import 'server-only';
// The scheduled jobs besides the minutely maintenance (src/server/jobs/index.ts): the monthly credit
// renewal and the daily key health check. Both are safe to repeat and to run on several instances at
// once: the renewal's ledger key is unique per workspace, plan and month; the key check's notification
// is deduplicated per key, outcome and day.
import { type ProviderId, outcomeMessage, PROVIDERS } from '~/lib/providers';
import { BYOK_PLANS, type Plan, PLANS } from '~/lib/plans';
import type { Db } from '~/server/db/connect';
import { log } from '~/server/log';
import { probeKey } from '~/server/providers/probe';
import { grant } from '~/server/services/credits';
import { keysExpiringWithin } from '~/server/services/keys/queries';
import { recordProbe } from '~/server/services/keys/writer';
import { notifyOwners } from '~/server/services/notifications';
import { decryptProviderKey } from '~/server/vault/decrypt';

/** Who the scheduled jobs act as in audit rows. */
export const SYSTEM_ACTOR = { id: 'system', tokenPrefix: null };

/** What a workspace gets each month: its plan's credits, or the operator's figure for an Enterprise workspace. */
export function monthlyCreditsOf(ws: { plan: string; enterpriseMonthlyCredits: number | null }): number {
  if (ws.plan === 'enterprise' && ws.enterpriseMonthlyCredits !== null) return ws.enterpriseMonthlyCredits;
  return PLANS[ws.plan as Plan]?.monthlyCredits ?? 0;
}

/**
 * Grants every workspace its monthly credits, once per workspace and month whatever the number of
 * instances or repeats: the ledger's unique key (`plan-grant:<workspace>:<plan>:<month>`, the one
 * `admin set-plan` uses) decides. Workspaces created this month got their credits when created.
 */
export async function renewMonthlyCredits(db: Db, now = new Date()): Promise<number> {
  const month = now.toISOString().slice(0, 7);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  let granted = 0;
  let cursor: string | undefined;
  for (;;) {
    const batch = await db.workspace.findMany({
      where: { createdAt: { lt: monthStart } },
      orderBy: { id: 'asc' },
      take: 500,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      select: { id: true, plan: true, enterpriseMonthlyCredits: true },
    });
    for (const ws of batch) {
      const amount = monthlyCreditsOf(ws);
      if (amount <= 0) continue;
      const name = PLANS[ws.plan as Plan]?.name ?? ws.plan;
      if (await grant(db, { workspaceId: ws.id, amount, reason: `${name} plan credits for ${month}`, idempotencyKey: `plan-grant:${ws.id}:${ws.plan}:${month}` })) granted++;
    }
    if (batch.length < 500) break;
    cursor = batch.at(-1)!.id;
  }
  return granted;
}

/**
 * Re-lists each BYOK key's models (a models listing: no tokens spent). A rejected key is marked
 * failing and models it no longer lists unavailable (recordProbe, the key writer's); owners get a
 * notification for a key that failed. A rate limit or an outage says nothing about the key: skipped.
 */
export async function checkKeyHealth(db: Db, now = new Date()): Promise<{ checked: number; failing: number }> {
  const keys = await db.providerKey.findMany({
    where: { status: { in: ['active', 'failing'] }, workspace: { plan: { in: [...BYOK_PLANS] } } },
    select: { id: true, workspaceId: true, provider: true, label: true, status: true },
    take: 5_000,
  });
  const day = now.toISOString().slice(0, 10);
  let failing = 0;
  for (const k of keys) {
    const provider = k.provider as ProviderId;
    try {
      const plaintext = await decryptProviderKey(db, { workspaceId: k.workspaceId, keyId: k.id, actorId: SYSTEM_ACTOR.id });
      const probe = await probeKey(provider, plaintext);
      if (probe.outcome === 'rate_limited' || probe.outcome === 'provider_unavailable') continue;
      await recordProbe(db, {
        workspaceId: k.workspaceId, keyId: k.id, provider: k.provider, label: k.label, actor: SYSTEM_ACTOR,
        outcome: probe.outcome, models: probe.outcome === 'valid' ? probe.models : null,
      });
      if (probe.outcome !== 'valid') {
        failing++;
        await notifyOwners(db, k.workspaceId, {
          kind: 'key_failing',
          title: `Your ${PROVIDERS[provider]?.name ?? k.provider} key “${k.label}” is failing`,
          body: `${outcomeMessage(probe.outcome, provider)} Runs that use it fall back to platform credits only if fallback is on.`,
          dedupeKey: `key_failing:${k.id}:${probe.outcome}:${day}`,
        });
      }
    } catch (err) {
      log.warn({ err, keyId: k.id }, 'key health check failed for a key');
    }
  }
  return { checked: keys.length, failing };
}

/** The operator's monthly credits for an Enterprise workspace (null: the plan's). */
/** How long before a key's expiry date its owners hear of it. */
export const EXPIRY_NOTICE_DAYS = 7;

/**
 * Daily: owners of keys that expire within a week are told once per key and expiry date (a new date, set
 * after a rotation at the provider, is a new notice). Returns how many keys were newly announced.
 */
export async function notifyExpiringKeys(db: Db, now = new Date()): Promise<number> {
  let announced = 0;
  for (const k of await keysExpiringWithin(db, EXPIRY_NOTICE_DAYS, now)) {
    const day = k.expiresAt.toISOString().slice(0, 10);
    const days = Math.max(1, Math.ceil((k.expiresAt.getTime() - now.getTime()) / 86_400_000));
    const sent = await notifyOwners(db, k.workspaceId, {
      kind: 'key_expiring',
      title: `${PROVIDERS[k.provider].name} key “${k.label}” expires in ${days} day${days === 1 ? '' : 's'}`,
      body: `It expires on ${day} (${k.maskedHint}). Rotate it in Settings → API Keys before then: calls keep working through the swap.`,
      dedupeKey: `expiry:${k.keyId}:${day}`,
    });
    if (sent) announced++;
  }
  return announced;
}

export async function setEnterpriseMonthlyCredits(db: Db, input: { slug: string; credits: number | null }): Promise<{ plan: string }> {
  const ws = await db.workspace.update({ where: { slug: input.slug }, data: { enterpriseMonthlyCredits: input.credits }, select: { plan: true } });
  return ws;
}
