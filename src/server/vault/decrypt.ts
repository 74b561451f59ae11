import 'server-only';
// The one place a stored provider key becomes plaintext, called only on the path that sends a request
// to that key's provider. A key that cannot be decrypted fails closed: no provider call, the row is
// flagged for re-entry and the event is audited.
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { columnsOf, queryRows } from '~/server/db/sql';
import { AppError, notFound } from '~/server/errors';
import { log } from '~/server/log';
import { markKeyUnreadable } from '~/server/services/keys/writer';
import { CryptoError } from '~/server/vault/aead';
import { openSealedKey } from '~/server/vault/envelope';

const storedKeySelect = {
  id: true, workspaceId: true, provider: true, label: true, status: true, pausedAt: true, position: true, createdAt: true, formatVersion: true, alg: true,
  dekVersion: true, kekVersion: true, dekNonce: true, wrappedDek: true, dekTag: true, nonce: true, ciphertext: true, tag: true,
} satisfies Prisma.ProviderKeySelect;

/** A workspace's key as stored: still sealed, with what a caller needs to decide whether to use it. */
export type StoredKey = Prisma.ProviderKeyGetPayload<{ select: typeof storedKeySelect }>;

/** A provider's keys in the workspace, still sealed: the candidates of a failover (keys/selection.ts orders them). */
export function findStoredKeys(db: Db, ref: { workspaceId: string; provider: string }): Promise<StoredKey[]> {
  return db.providerKey.findMany({ where: { workspaceId: ref.workspaceId, provider: ref.provider }, select: storedKeySelect });
}

const STORED_KEY_COLUMNS = columnsOf(storedKeySelect);

/** One read for both the decision and the decryption (a run reads its key once before the provider call: db/sql.ts). */
export async function findStoredKey(db: Db, ref: { workspaceId: string; keyId: string }): Promise<StoredKey | null> {
  const [row] = await queryRows<StoredKey>(db, Prisma.sql`SELECT ${STORED_KEY_COLUMNS} FROM provider_key WHERE id = ${ref.keyId} AND "workspaceId" = ${ref.workspaceId}`);
  return row ?? null;
}

export async function decryptProviderKey(
  db: Db,
  ref: { workspaceId: string; keyId: string; actorId: string },
): Promise<string> {
  const row = await findStoredKey(db, ref);
  if (!row) throw notFound('Key not found');
  return decryptStoredKey(db, row, ref.actorId);
}

export async function decryptStoredKey(db: Db, row: StoredKey, actorId: string): Promise<string> {
  try {
    return await openSealedKey(db, row);
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    log.error({ keyId: row.id, provider: row.provider, kind: e.kind }, 'provider key could not be decrypted');
    await markKeyUnreadable(db, { workspaceId: row.workspaceId, keyId: row.id, provider: row.provider, label: row.label, actorId, kind: e.kind });
    throw new AppError(
      'INTERNAL_SERVER_ERROR',
      'This key can no longer be read. Re-enter it under Settings → Models → API Keys.',
      'key_unreadable',
    );
  }
}
