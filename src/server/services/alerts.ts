import 'server-only';
// Notifications to a workspace's owners. A stand-in with the interface the notifications service (issue
// 19's runs half, being built beside this) is to provide: until it lands, a notification is logged, so
// callers are written once against this function.
import type { Db } from '~/server/db/connect';
import { log } from '~/server/log';

export type OwnerNotification = {
  kind: 'key_spend_alert';
  title: string;
  body: string;
  /** Safe, structured details (ids and numbers; never key material). */
  details?: Record<string, string | number>;
};

export async function notifyOwners(db: Db, workspaceId: string, n: OwnerNotification): Promise<void> {
  const owners = await db.membership.count({ where: { workspaceId, role: 'owner' } });
  log.info({ workspaceId, kind: n.kind, owners, details: n.details }, n.title);
}
