import 'server-only';
// Audit records hold provider, label, operation, actor, outcome and time: never key material.
// The row type is fixed here, so no caller can add a field.
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import type { WorkspaceScope } from '~/server/services/context';
import type { AuditEventDto } from '~/lib/schemas/keys';

export type AuditOperation =
  | 'key.create' | 'key.replace' | 'key.verify' | 'key.remove' | 'key.decrypt_failed'
  | 'key.pause' | 'key.resume' | 'key.reorder' | 'key.expiry' | 'key.rotate' | 'key.rotate_probe' | 'workspace.fallback_policy';

export type AuditRecord = {
  workspaceId: string;
  actorId: string;
  /** The prefix of the personal access token the actor used (REST), so a token's work can be traced. */
  actorToken?: string | null;
  operation: AuditOperation;
  keyId: string | null;
  provider: string | null;
  label: string | null;
  outcome: string | null;
};

// Mirrored to the application log with ids only (labels are user text and stay out of logs).
export function logAudit(r: AuditRecord): void {
  log.info(
    { workspaceId: r.workspaceId, actorId: r.actorId, actorToken: r.actorToken ?? null, keyId: r.keyId, provider: r.provider, operation: r.operation, outcome: r.outcome },
    'audit',
  );
}

export async function writeAudit(tx: Db | Prisma.TransactionClient, r: AuditRecord): Promise<void> {
  logAudit(r);
  await tx.auditEvent.create({
    data: {
      id: newId(),
      workspaceId: r.workspaceId,
      actorId: r.actorId,
      actorToken: r.actorToken ?? null,
      operation: r.operation,
      keyId: r.keyId,
      provider: r.provider,
      label: r.label,
      outcome: r.outcome,
    },
  });
}

/**
 * The audit row as an INSERT inside a statement that writes more than it, made only if `from` yields a
 * row; the caller logs it (logAudit) once the statement has written it.
 */
export function auditInsertSql(r: AuditRecord, from: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO audit_event (id, "workspaceId", "actorId", "actorToken", operation, "keyId", provider, label, outcome)
    SELECT ${newId()}, ${r.workspaceId}, ${r.actorId}, ${r.actorToken ?? null}, ${r.operation}, ${r.keyId}, ${r.provider}, ${r.label}, ${r.outcome} FROM ${from}`;
}

export async function listAudit({ db, workspace }: WorkspaceScope, limit = 50): Promise<AuditEventDto[]> {
  const rows = await db.auditEvent.findMany({
    where: { workspaceId: workspace.id },
    orderBy: { createdAt: 'desc' },
    take: limit,
    select: { id: true, operation: true, provider: true, label: true, outcome: true, actorId: true, actorToken: true, createdAt: true },
  });
  const actors = await db.user.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.actorId))] } },
    select: { id: true, name: true },
  });
  const names = new Map(actors.map((a) => [a.id, a.name]));
  return rows.map(({ actorId, ...r }) => ({ ...r, actor: names.get(actorId) ?? 'former user' }));
}
