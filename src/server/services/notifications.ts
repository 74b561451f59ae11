import 'server-only';
// In-app notifications (the header's bell): something an owner should act on, raised by background work
// (the daily key check; later usage caps and key expiry). One row per recipient; `dedupeKey` makes a
// repeated condition (the same key failing again in the same check window) notify once.
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import type { UserScope } from '~/server/services/context';

export type NewNotification = { kind: string; title: string; body: string; dedupeKey: string };

/** Notifies every owner of the workspace once per dedupeKey; returns how many rows were new. */
export async function notifyOwners(db: Db, workspaceId: string, n: NewNotification): Promise<number> {
  const owners = await db.membership.findMany({ where: { workspaceId, role: 'owner' }, select: { userId: true } });
  if (!owners.length) return 0;
  const r = await db.notification.createMany({
    data: owners.map((o) => ({ id: newId(), workspaceId, userId: o.userId, kind: n.kind, title: n.title, body: n.body, dedupeKey: n.dedupeKey })),
    skipDuplicates: true,
  });
  return r.count;
}

const LIST_LIMIT = 20;

/** The user's latest notifications (of workspaces they still belong to) and how many are unread. */
export async function listNotifications({ db, actor }: UserScope) {
  const where = { userId: actor.id, workspace: { memberships: { some: { userId: actor.id } } } };
  const [items, unread] = await Promise.all([
    db.notification.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: LIST_LIMIT,
      select: { id: true, kind: true, title: true, body: true, readAt: true, createdAt: true, workspace: { select: { slug: true, name: true } } },
    }),
    db.notification.count({ where: { ...where, readAt: null } }),
  ]);
  return { items: items.map(({ workspace, ...n }) => ({ ...n, workspaceSlug: workspace.slug, workspaceName: workspace.name })), unread };
}

/** Marks the user's notifications read: the given ones, or all. Someone else's ids change nothing. */
export async function markNotificationsRead({ db, actor }: UserScope, input: { ids?: string[] }): Promise<{ marked: number }> {
  const r = await db.notification.updateMany({
    where: { userId: actor.id, readAt: null, ...(input.ids ? { id: { in: input.ids } } : {}) },
    data: { readAt: new Date() },
  });
  return { marked: r.count };
}
