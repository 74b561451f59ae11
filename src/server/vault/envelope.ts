import 'server-only';
// Envelope encryption: each workspace has a random 256-bit data key (DEK), stored only wrapped by a
// master key version; provider keys are sealed under the workspace DEK with AAD naming their row.
// Callers never see DEK bytes: they get sealed values, or (decrypt.ts only) a plaintext key.
import { randomBytes } from 'node:crypto';
import type { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { FORMAT_VERSION, providerKeyAad, userDekAad, userKeyAad, workspaceDekAad } from '~/server/vault/aad';
import { CryptoError, open, seal } from '~/server/vault/aead';
import { type Keyring, keyring, refreshedKeyringWith } from '~/server/vault/keyring';

type Tx = Prisma.TransactionClient;

export const ALG = 'A256GCM';

export type SealedKey = {
  dekVersion: number;
  formatVersion: number;
  alg: string;
  nonce: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
  tag: Uint8Array<ArrayBuffer>;
};

export type SealedKeyRow = SealedKey & { id: string; workspaceId: string; provider: string };

const bytes = (b: Buffer) => new Uint8Array(b);

function kek(ring: Keyring, version: string): Buffer {
  const k = ring.keys.get(version) ?? (ring === keyring() ? refreshedKeyringWith(version).keys.get(version) : undefined);
  if (!k) throw new CryptoError('missing_key');
  return k;
}

type DekRow = { workspaceId: string; dekVersion: number; kekVersion: string; nonce: Uint8Array; wrappedKey: Uint8Array; tag: Uint8Array };

function unwrapDek(row: DekRow, ring: Keyring): Buffer {
  return open(
    kek(ring, row.kekVersion),
    { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.wrappedKey), tag: Buffer.from(row.tag) },
    workspaceDekAad(row.workspaceId, row.dekVersion, row.kekVersion),
  );
}

/** The workspace's current DEK, created (wrapped by the primary master key) on first use. */
async function currentDek(tx: Tx, workspaceId: string, ring: Keyring): Promise<{ version: number; key: Buffer }> {
  const find = () =>
    tx.workspaceDataKey.findFirst({ where: { workspaceId, retiredAt: null }, orderBy: { dekVersion: 'desc' } });
  let row = await find();
  if (!row) {
    const dek = randomBytes(32);
    const wrapped = seal(kek(ring, ring.primary), dek, workspaceDekAad(workspaceId, 1, ring.primary));
    // A concurrent first key in the same workspace may win the insert; then use its DEK.
    await tx.workspaceDataKey.createMany({
      data: [{ workspaceId, dekVersion: 1, kekVersion: ring.primary, nonce: bytes(wrapped.nonce), wrappedKey: bytes(wrapped.ciphertext), tag: bytes(wrapped.tag) }],
      skipDuplicates: true,
    });
    row = await find();
    if (!row) throw new CryptoError('missing_key');
  }
  return { version: row.dekVersion, key: unwrapDek(row, ring) };
}

/** Seals a provider key for its row. Runs inside the transaction that writes the row. */
export async function sealProviderKey(
  tx: Tx,
  target: { workspaceId: string; provider: string; keyId: string },
  plaintext: string,
  ring: Keyring = keyring(),
): Promise<SealedKey> {
  const dek = await currentDek(tx, target.workspaceId, ring);
  const s = seal(dek.key, Buffer.from(plaintext, 'utf8'), providerKeyAad({ ...target, dekVersion: dek.version }));
  await tx.workspaceDataKey.update({
    where: { workspaceId_dekVersion: { workspaceId: target.workspaceId, dekVersion: dek.version } },
    data: { encryptCount: { increment: 1 } },
  });
  return { dekVersion: dek.version, formatVersion: FORMAT_VERSION, alg: ALG, nonce: bytes(s.nonce), ciphertext: bytes(s.ciphertext), tag: bytes(s.tag) };
}

/** Opens a sealed provider key. Only src/server/vault/decrypt.ts calls this. */
export async function openSealedKey(db: Db, row: SealedKeyRow, ring: Keyring = keyring()): Promise<string> {
  if (row.formatVersion !== FORMAT_VERSION || row.alg !== ALG) throw new CryptoError('format');
  const dekRow = await db.workspaceDataKey.findUnique({
    where: { workspaceId_dekVersion: { workspaceId: row.workspaceId, dekVersion: row.dekVersion } },
  });
  if (!dekRow) throw new CryptoError('missing_key');
  const dek = unwrapDek(dekRow, ring);
  const plain = open(
    dek,
    { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext), tag: Buffer.from(row.tag) },
    providerKeyAad({ workspaceId: row.workspaceId, provider: row.provider, keyId: row.id, dekVersion: row.dekVersion }),
  );
  return plain.toString('utf8');
}

/**
 * Re-wraps every data key that is not under the primary master key. Each row is updated on its own,
 * conditionally on still holding the old version, so the job is idempotent, resumable and safe to run
 * while the app serves requests (old versions keep decrypting until it finishes).
 */
export async function rewrapDataKeys(
  db: Db,
  ring: Keyring = keyring(),
): Promise<{ rewrapped: number; unreadable: number; remaining: number }> {
  let rewrapped = 0;
  let unreadable = 0;
  const stale = await db.workspaceDataKey.findMany({ where: { kekVersion: { not: ring.primary } } });
  for (const row of stale) {
    let dek: Buffer;
    try {
      dek = unwrapDek(row, ring);
    } catch (e) {
      // A data key the keyring cannot open stays as it is (and stays unreadable); the job goes on.
      if (!(e instanceof CryptoError)) throw e;
      unreadable++;
      continue;
    }
    const wrapped = seal(kek(ring, ring.primary), dek, workspaceDekAad(row.workspaceId, row.dekVersion, ring.primary));
    const r = await db.workspaceDataKey.updateMany({
      where: { workspaceId: row.workspaceId, dekVersion: row.dekVersion, kekVersion: row.kekVersion },
      data: { kekVersion: ring.primary, nonce: bytes(wrapped.nonce), wrappedKey: bytes(wrapped.ciphertext), tag: bytes(wrapped.tag) },
    });
    rewrapped += r.count;
  }
  for (const row of await db.userDataKey.findMany({ where: { kekVersion: { not: ring.primary } } })) {
    let dek: Buffer;
    try {
      dek = open(
        kek(ring, row.kekVersion),
        { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.wrappedKey), tag: Buffer.from(row.tag) },
        userDekAad(row.userId, row.dekVersion, row.kekVersion),
      );
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      unreadable++;
      continue;
    }
    const wrapped = seal(kek(ring, ring.primary), dek, userDekAad(row.userId, row.dekVersion, ring.primary));
    const r = await db.userDataKey.updateMany({
      where: { userId: row.userId, dekVersion: row.dekVersion, kekVersion: row.kekVersion },
      data: { kekVersion: ring.primary, nonce: bytes(wrapped.nonce), wrappedKey: bytes(wrapped.ciphertext), tag: bytes(wrapped.tag) },
    });
    rewrapped += r.count;
  }
  const remaining =
    (await db.workspaceDataKey.count({ where: { kekVersion: { not: ring.primary } } })) +
    (await db.userDataKey.count({ where: { kekVersion: { not: ring.primary } } }));
  return { rewrapped, unreadable, remaining };
}

export async function masterKeyVersionsInUse(db: Db): Promise<Set<string>> {
  const ws = await db.workspaceDataKey.groupBy({ by: ['kekVersion'] });
  const users = await db.userDataKey.groupBy({ by: ['kekVersion'] });
  return new Set([...ws, ...users].map((r) => r.kekVersion));
}

// ---- user scope (PRODUCT.md M6): a user's default key, under the user's own data key ----

async function currentUserDek(tx: Tx, userId: string, ring: Keyring): Promise<{ version: number; key: Buffer }> {
  const find = () => tx.userDataKey.findFirst({ where: { userId }, orderBy: { dekVersion: 'desc' } });
  let row = await find();
  if (!row) {
    const dek = randomBytes(32);
    const wrapped = seal(kek(ring, ring.primary), dek, userDekAad(userId, 1, ring.primary));
    await tx.userDataKey.createMany({
      data: [{ userId, dekVersion: 1, kekVersion: ring.primary, nonce: bytes(wrapped.nonce), wrappedKey: bytes(wrapped.ciphertext), tag: bytes(wrapped.tag) }],
      skipDuplicates: true,
    });
    row = await find();
    if (!row) throw new CryptoError('missing_key');
  }
  const key = open(
    kek(ring, row.kekVersion),
    { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.wrappedKey), tag: Buffer.from(row.tag) },
    userDekAad(userId, row.dekVersion, row.kekVersion),
  );
  return { version: row.dekVersion, key };
}

export async function sealUserKey(
  tx: Tx,
  target: { userId: string; provider: string; keyId: string },
  plaintext: string,
  ring: Keyring = keyring(),
): Promise<SealedKey> {
  const dek = await currentUserDek(tx, target.userId, ring);
  const s = seal(dek.key, Buffer.from(plaintext, 'utf8'), userKeyAad({ ...target, dekVersion: dek.version }));
  return { dekVersion: dek.version, formatVersion: FORMAT_VERSION, alg: ALG, nonce: bytes(s.nonce), ciphertext: bytes(s.ciphertext), tag: bytes(s.tag) };
}

/** Opens a user's default key; only the copy into a new workspace (inside its transaction) calls this. */
export async function openUserKey(
  tx: Tx,
  row: SealedKey & { userId: string; provider: string; keyId: string },
  ring: Keyring = keyring(),
): Promise<string> {
  if (row.formatVersion !== FORMAT_VERSION || row.alg !== ALG) throw new CryptoError('format');
  const dekRow = await tx.userDataKey.findUnique({ where: { userId_dekVersion: { userId: row.userId, dekVersion: row.dekVersion } } });
  if (!dekRow) throw new CryptoError('missing_key');
  const dek = open(
    kek(ring, dekRow.kekVersion),
    { nonce: Buffer.from(dekRow.nonce), ciphertext: Buffer.from(dekRow.wrappedKey), tag: Buffer.from(dekRow.tag) },
    userDekAad(row.userId, dekRow.dekVersion, dekRow.kekVersion),
  );
  return open(
    dek,
    { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext), tag: Buffer.from(row.tag) },
    userKeyAad({ userId: row.userId, provider: row.provider, keyId: row.keyId, dekVersion: row.dekVersion }),
  ).toString('utf8');
}
