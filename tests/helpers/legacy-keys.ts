// Rows as the app wrote them before per-key data keys (storage format 1): a provider key sealed under
// its workspace's shared data key, a default key under its user's. Built here byte for byte as that
// code did, so the read path and the upgrade are tested against the real old layout.
import { randomBytes } from 'node:crypto';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { providerKeyAad, userDekAad, userKeyAad, workspaceDekAad } from '~/server/vault/aad';
import { seal } from '~/server/vault/aead';
import { keyring } from '~/server/vault/keyring';

const u8 = (b: Buffer) => new Uint8Array(b);

async function sharedDek(aad: Buffer) {
  const ring = await keyring();
  const dek = randomBytes(32);
  const w = seal(ring.keys.get(ring.primary)!, dek, aad);
  return { dek, row: { dekVersion: 1, kekVersion: ring.primary, nonce: u8(w.nonce), wrappedKey: u8(w.ciphertext), tag: u8(w.tag), encryptCount: 1 } };
}

/** Format 1 workspace keys: one shared data key (created) for all of them. */
export async function insertLegacyKeys(db: Db, ws: { workspaceId: string; ownerId: string }, plaintexts: string[]): Promise<string[]> {
  const ring = await keyring();
  const { dek, row } = await sharedDek(workspaceDekAad(ws.workspaceId, 1, ring.primary));
  await db.workspaceDataKey.create({ data: { workspaceId: ws.workspaceId, ...row } });
  const ids: string[] = [];
  for (const [i, plaintext] of plaintexts.entries()) {
    const id = newId();
    const s = seal(dek, Buffer.from(plaintext, 'utf8'), providerKeyAad({ workspaceId: ws.workspaceId, provider: 'openai', keyId: id, dekVersion: 1 }));
    await db.providerKey.create({
      data: {
        id, workspaceId: ws.workspaceId, provider: 'openai', label: `legacy-${i}`, maskedHint: 'sk-p…gacy', fingerprint: new Uint8Array(32), fpVersion: 1,
        formatVersion: 1, alg: 'A256GCM', dekVersion: 1, nonce: u8(s.nonce), ciphertext: u8(s.ciphertext), tag: u8(s.tag), createdById: ws.ownerId,
      },
    });
    ids.push(id);
  }
  return ids;
}

/** A format 1 default key for `userId`, under a new user data key. */
export async function insertLegacyDefaultKey(db: Db, userId: string, plaintext: string, model: string): Promise<void> {
  const ring = await keyring();
  const { dek, row } = await sharedDek(userDekAad(userId, 1, ring.primary));
  await db.userDataKey.create({ data: { userId, ...row } });
  const keyId = newId();
  const s = seal(dek, Buffer.from(plaintext, 'utf8'), userKeyAad({ userId, provider: 'openai', keyId, dekVersion: 1 }));
  await db.userAiDefaults.create({
    data: {
      userId, mode: 'byok', provider: 'openai', model, keyId, maskedHint: 'sk-p…gacy', fingerprint: new Uint8Array(32), fpVersion: 1,
      formatVersion: 1, alg: 'A256GCM', dekVersion: 1, nonce: u8(s.nonce), ciphertext: u8(s.ciphertext), tag: u8(s.tag),
    },
  });
}
