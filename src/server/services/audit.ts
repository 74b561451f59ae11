// Audit records hold provider, label, operation, actor, outcome and time: never key material.
// The row type is fixed here, so no caller can add a field.
import type { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import type { AuditEventDto } from '~/lib/keys';

export type AuditOperation = 'key.create' | 'key.replace' | 'key.verify' | 'key.remove' | 'key.decrypt_failed';

export type AuditRecord = {
  workspaceId: string;
  actorId: string;
  operation: AuditOperation;
  keyId: string | null;
  provider: string | null;
  label: string | null;
  outcome: string | null;
};

export async function writeAudit(tx: Db | Prisma.TransactionClient, r: AuditRecord): Promise<void> {
  // Mirrored to the application log with ids only (labels are user text and stay out of logs).
  log.info({ workspaceId: r.workspaceId, actorId: r.actorId, keyId: r.keyId, provider: r.provider, operation: r.operation, outcome: r.outcome }, 'audit');
  await tx.auditEvent.create({
    data: {
      id: newId(),
      workspaceId: r.workspaceId,
      actorId: r.actorId,
      operation: r.operation,
      keyId: r.keyId,
      provider: r.provider,
      label: r.label,
      outcome: r.outcome,
    },
  });
}

export async function listAudit(db: Db, workspaceId: string, limit = 50): Promise<AuditEventDto[]> {
  const rows = await db.auditEvent.findMany({
    where: { workspaceId },
    orderBy: { createdAt: 'desc' },
    take: limit,
    select: { id: true, operation: true, provider: true, label: true, outcome: true, actorId: true, createdAt: true },
  });
  const actors = await db.user.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.actorId))] } },
    select: { id: true, name: true },
  });
  const names = new Map(actors.map((a) => [a.id, a.name]));
  return rows.map(({ actorId, ...r }) => ({ ...r, actor: names.get(actorId) ?? 'former user' }));
}
