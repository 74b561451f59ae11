import 'server-only';
// Monthly estimated-spend alerts per key (issue 19): the owner sets a dollar threshold on a key; the
// maintenance tick (every instance, every minute) notifies the owners once a month when the key's
// estimated provider cost this month reaches it. "Once" holds across instances: the notification is sent
// by whichever instance's conditional UPDATE marks the month.
import type { Db } from '~/server/db/connect';
import { notFound } from '~/server/errors';
import { requireOwner } from '~/server/policy';
import { notifyOwners } from '~/server/services/notifications';
import type { WorkspaceCtx } from '~/server/services/context';
import { keySpendThisMonth } from '~/server/services/usage';

export type SpendAlert = { keyId: string; monthlyUsd: number; spentUsd: number; alertedThisMonth: boolean };

const month = (now: Date) => now.toISOString().slice(0, 7);

export async function listSpendAlerts(ctx: WorkspaceCtx, now = new Date()): Promise<SpendAlert[]> {
  requireOwner(ctx.workspace, 'see spend alerts');
  const alerts = await ctx.db.keySpendAlert.findMany({ where: { workspaceId: ctx.workspace.id } });
  const spent = await keySpendThisMonth(ctx.db, ctx.workspace.id, now);
  return alerts.map((a) => ({ keyId: a.keyId, monthlyUsd: a.monthlyUsd, spentUsd: spent.get(a.keyId) ?? 0, alertedThisMonth: a.alertedMonth === month(now) }));
}

/** Sets (or, with null, removes) a key's monthly alert. A new threshold may alert again this month. */
export async function setSpendAlert(ctx: WorkspaceCtx, input: { keyId: string; monthlyUsd: number | null }): Promise<void> {
  requireOwner(ctx.workspace, 'set spend alerts');
  const workspaceId = ctx.workspace.id;
  const key = await ctx.db.providerKey.findFirst({ where: { id: input.keyId, workspaceId }, select: { id: true } });
  if (!key) throw notFound('Key not found');
  if (input.monthlyUsd === null) {
    await ctx.db.keySpendAlert.deleteMany({ where: { keyId: key.id, workspaceId } });
    return;
  }
  await ctx.db.keySpendAlert.upsert({
    where: { keyId: key.id },
    create: { keyId: key.id, workspaceId, monthlyUsd: input.monthlyUsd },
    update: { monthlyUsd: input.monthlyUsd, alertedMonth: null },
  });
}

/** Notifies the owners of every key whose estimate crossed its threshold this month and was not yet told. Returns how many. */
export async function checkSpendAlerts(db: Db, now = new Date()): Promise<number> {
  const m = month(now);
  const pending = await db.keySpendAlert.findMany({ where: { OR: [{ alertedMonth: null }, { alertedMonth: { not: m } }] } });
  const byWorkspace = new Map<string, typeof pending>();
  for (const a of pending) byWorkspace.set(a.workspaceId, [...(byWorkspace.get(a.workspaceId) ?? []), a]);
  let sent = 0;
  for (const [workspaceId, alerts] of byWorkspace) {
    const spent = await keySpendThisMonth(db, workspaceId, now);
    for (const a of alerts) {
      const usd = spent.get(a.keyId) ?? 0;
      if (usd < a.monthlyUsd) continue;
      const marked = await db.keySpendAlert.updateMany({
        where: { keyId: a.keyId, monthlyUsd: a.monthlyUsd, OR: [{ alertedMonth: null }, { alertedMonth: { not: m } }] },
        data: { alertedMonth: m },
      });
      if (marked.count !== 1) continue;
      const key = await db.providerKey.findUnique({ where: { id: a.keyId }, select: { provider: true, label: true } });
      await notifyOwners(db, workspaceId, {
        kind: 'key_spend_alert',
        title: `Estimated spend on ${key ? `${key.provider} key “${key.label}”` : 'a removed key'} reached $${a.monthlyUsd} this month`,
        body: `This month’s estimated provider cost of the key is $${usd.toFixed(2)}, from list prices (an estimate, not your provider’s bill). See Settings → Usage.`,
        dedupeKey: `spend:${a.keyId}:${m}:${a.monthlyUsd}`,
      });
      sent++;
    }
  }
  return sent;
}
