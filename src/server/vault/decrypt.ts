import 'server-only';
// The one place a stored provider key becomes plaintext, called only on the path that sends a request
// to that key's provider. A key that cannot be decrypted fails closed: no provider call, the row is
// flagged for re-entry and the event is audited.
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { CryptoError } from '~/server/vault/aead';
import { openSealedKey } from '~/server/vault/envelope';

export async function decryptProviderKey(
  db: Db,
  ref: { workspaceId: string; keyId: string; actorId: string },
): Promise<string> {
  const row = await db.providerKey.findFirst({
    where: { id: ref.keyId, workspaceId: ref.workspaceId },
    select: {
      id: true, workspaceId: true, provider: true, label: true, dekVersion: true,
      formatVersion: true, alg: true, nonce: true, ciphertext: true, tag: true,
    },
  });
  if (!row) throw notFound('Key not found');
  try {
    return await openSealedKey(db, row);
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    log.error({ keyId: row.id, provider: row.provider, kind: e.kind }, 'provider key could not be decrypted');
    await db.$transaction([
      db.providerKey.updateMany({ where: { id: row.id, workspaceId: row.workspaceId }, data: { status: 'needs_reentry' } }),
      db.auditEvent.create({
        data: {
          id: newId(), workspaceId: row.workspaceId, actorId: ref.actorId, keyId: row.id,
          provider: row.provider, label: row.label, operation: 'key.decrypt_failed', outcome: e.kind,
        },
      }),
    ]);
    throw new AppError(
      'INTERNAL_SERVER_ERROR',
      'This key can no longer be read. Re-enter it under Settings → Models → API Keys.',
      'key_unreadable',
    );
  }
}
