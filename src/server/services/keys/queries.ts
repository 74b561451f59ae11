import 'server-only';
// Reads of provider keys. Only the masked columns leave here (keyDtoSelect); the sealed ones are read by
// the vault alone (src/server/vault/decrypt.ts).
import type { Prisma } from '~/generated/prisma/client';
import type { KeyDto } from '~/lib/schemas/keys';
import type { KeyOutcome, ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { notFound } from '~/server/errors';
import type { UserScope, WorkspaceScope } from '~/server/services/context';

type Tx = Prisma.TransactionClient;

/** The label of a provider's key that the AI config and inherited user defaults use. */
export const PRIMARY_LABEL = 'primary';

/** The only columns of a key row that ever leave this module: no nonce, ciphertext, tag or fingerprint. */
export const keyDtoSelect = {
  id: true,
  provider: true,
  label: true,
  maskedHint: true,
  status: true,
  pausedAt: true,
  position: true,
  expiresAt: true,
  lastOutcome: true,
  lastValidatedAt: true,
  lastUsedAt: true,
  modelsRefreshedAt: true,
  createdAt: true,
  createdBy: { select: { name: true } },
  _count: { select: { models: { where: { available: true } } } },
} satisfies Prisma.ProviderKeySelect;

type KeyRow = Prisma.ProviderKeyGetPayload<{ select: typeof keyDtoSelect }>;

function toDto(r: KeyRow): KeyDto {
  return {
    id: r.id,
    provider: r.provider as ProviderId,
    label: r.label,
    maskedHint: r.maskedHint,
    status: r.status as KeyDto['status'],
    pausedAt: r.pausedAt,
    position: r.position,
    expiresAt: r.expiresAt,
    lastOutcome: (r.lastOutcome as KeyOutcome | null) ?? null,
    lastValidatedAt: r.lastValidatedAt,
    lastUsedAt: r.lastUsedAt,
    modelsRefreshedAt: r.modelsRefreshedAt,
    modelCount: r._count.models,
    createdAt: r.createdAt,
    createdBy: r.createdBy.name,
    alsoConnectedIn: [],
  };
}

type KeyListRow = Omit<KeyDto, 'provider' | 'status' | 'lastOutcome'> & { provider: string; status: string; lastOutcome: string | null };

/**
 * The API Keys table, in one round trip: each key with its creator, its available model count and the
 * viewer's other workspaces holding the same key (matched by keyed fingerprint, never plaintext).
 * Selects the DTO columns only, as keyDtoSelect does.
 */
export async function listKeys({ db, actor, workspace }: WorkspaceScope & UserScope): Promise<KeyDto[]> {
  const rows = await db.$queryRaw<KeyListRow[]>`
    SELECT k.id, k.provider, k.label, k."maskedHint", k.status, k."pausedAt", k.position, k."expiresAt", k."lastOutcome", k."lastValidatedAt", k."lastUsedAt",
           k."modelsRefreshedAt", k."createdAt", u.name AS "createdBy",
           (SELECT count(*)::int FROM discovered_model d WHERE d."keyId" = k.id AND d.available) AS "modelCount",
           ARRAY(SELECT w.name FROM provider_key t
                   JOIN workspace w ON w.id = t."workspaceId"
                   JOIN membership m ON m."workspaceId" = t."workspaceId" AND m."userId" = ${actor.id}
                 WHERE t.fingerprint = k.fingerprint AND t."workspaceId" <> k."workspaceId"
                 ORDER BY w.name) AS "alsoConnectedIn"
    FROM provider_key k JOIN "user" u ON u.id = k."createdById"
    WHERE k."workspaceId" = ${workspace.id}
    ORDER BY k.provider, k.position, k."createdAt"`;
  return rows.map((r) => ({
    ...r,
    provider: r.provider as ProviderId,
    status: r.status as KeyDto['status'],
    lastOutcome: (r.lastOutcome as KeyOutcome | null) ?? null,
  }));
}

export async function getKeyDto(db: Db | Tx, workspaceId: string, keyId: string): Promise<KeyDto> {
  const row = await db.providerKey.findFirst({ where: { id: keyId, workspaceId }, select: keyDtoSelect });
  if (!row) throw notFound('Key not found');
  return toDto(row);
}

/** The workspace's key with this id (NOT_FOUND for any other workspace's): what a write needs to name it. */
export async function ownedKey(db: Db | Tx, workspaceId: string, keyId: string) {
  const row = await db.providerKey.findFirst({
    where: { id: keyId, workspaceId },
    select: { id: true, provider: true, label: true },
  });
  if (!row) throw notFound('Key not found');
  return { ...row, provider: row.provider as ProviderId };
}

/** A key whose noted expiry falls within the window (for the scheduler's notification a week before). */
export type ExpiringKey = { workspaceId: string; keyId: string; provider: ProviderId; label: string; maskedHint: string; expiresAt: Date };

/**
 * The keys, across workspaces, whose expiry date falls between now and `days` from now, soonest first —
 * what the scheduler notifies owners of (seven days before). Masked columns only; nothing is decrypted.
 */
export async function keysExpiringWithin(db: Db, days: number, now = new Date()): Promise<ExpiringKey[]> {
  const rows = await db.providerKey.findMany({
    where: { expiresAt: { gt: now, lte: new Date(now.getTime() + days * 86_400_000) } },
    select: { workspaceId: true, id: true, provider: true, label: true, maskedHint: true, expiresAt: true },
    orderBy: { expiresAt: 'asc' },
  });
  return rows.map((r) => ({ workspaceId: r.workspaceId, keyId: r.id, provider: r.provider as ProviderId, label: r.label, maskedHint: r.maskedHint, expiresAt: r.expiresAt! }));
}

/** The provider's `primary` key in the workspace, with the models it offers, or null. */
export function primaryKey(db: Db, workspaceId: string, provider: ProviderId) {
  return db.providerKey.findFirst({
    where: { workspaceId, provider, label: PRIMARY_LABEL },
    select: { id: true, provider: true, label: true, maskedHint: true, models: { where: { available: true }, select: { modelId: true } } },
  });
}
