import 'server-only';
// Envelope encryption. Each provider key — a workspace's, or a user's default key — is sealed under
// its own random 256-bit data key, stored in the same row wrapped by a master key version, with AAD
// naming the row. Why one data key per provider key rather than per workspace: once a row is deleted,
// a copy of it kept elsewhere (a backup, an archived WAL segment, a replica) can only be opened through
// that copy's own wrapped data key, so retiring the master key versions that wrapped it shreds the key.
// A data key shared by a workspace's other keys would live on, be re-wrapped by every rotation, and
// open the copy. Callers never see data key bytes: they get sealed values, or (decrypt.ts and the
// user-default copy only) a plaintext key.
//
// Format 1 rows (sealed under a shared workspace or user data key) are still read, and
// upgradeLegacyKeys re-seals them as format 2 and deletes the shared data keys they leave unused.
import { randomBytes } from 'node:crypto';
import type { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import {
  FORMAT_VERSION,
  type KeyRef,
  LEGACY_FORMAT_VERSION,
  keyAad,
  keyDekAad,
  providerKeyAad,
  userDekAad,
  userKeyAad,
  workspaceDekAad,
} from '~/server/vault/aad';
import { CryptoError, open, seal } from '~/server/vault/aead';
import { type Keyring, keyring, masterKey } from '~/server/vault/keyring';

type Tx = Prisma.TransactionClient;
type Bytes = Uint8Array<ArrayBuffer>;

export const ALG = 'A256GCM';

/** A freshly sealed key: the columns a row stores. */
export type SealedKey = {
  formatVersion: number;
  alg: string;
  dekVersion: null;
  kekVersion: string;
  dekNonce: Bytes;
  wrappedDek: Bytes;
  dekTag: Bytes;
  nonce: Bytes;
  ciphertext: Bytes;
  tag: Bytes;
};

/** A sealed key as a row holds it, in either format. */
export type StoredSealedKey = {
  formatVersion: number;
  alg: string;
  dekVersion: number | null;
  kekVersion: string | null;
  dekNonce: Uint8Array | null;
  wrappedDek: Uint8Array | null;
  dekTag: Uint8Array | null;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
};

export type SealedKeyRow = StoredSealedKey & { id: string; workspaceId: string; provider: string };
export type SealedUserKey = StoredSealedKey & { userId: string; provider: string; keyId: string };

const bytes = (b: Buffer): Bytes => new Uint8Array(b);
const buf = (b: Uint8Array) => Buffer.from(b);

async function kek(ring: Keyring, version: string): Promise<Buffer> {
  const k = await masterKey(ring, version);
  if (!k) throw new CryptoError('missing_key');
  return k;
}

type WrappedKeyDek = { kekVersion: string; dekNonce: Bytes; wrappedDek: Bytes; dekTag: Bytes };

async function wrapKeyDek(ref: KeyRef, dek: Buffer, ring: Keyring): Promise<WrappedKeyDek> {
  const w = seal(await kek(ring, ring.primary), dek, keyDekAad(ref, ring.primary));
  return { kekVersion: ring.primary, dekNonce: bytes(w.nonce), wrappedDek: bytes(w.ciphertext), dekTag: bytes(w.tag) };
}

async function unwrapKeyDek(ref: KeyRef, row: StoredSealedKey, ring: Keyring): Promise<Buffer> {
  if (!row.kekVersion || !row.dekNonce || !row.wrappedDek || !row.dekTag) throw new CryptoError('format');
  return open(
    await kek(ring, row.kekVersion),
    { nonce: buf(row.dekNonce), ciphertext: buf(row.wrappedDek), tag: buf(row.dekTag) },
    keyDekAad(ref, row.kekVersion),
  );
}

/** Seals a key for the row `ref` names, under a new data key wrapped by the primary master key. */
async function sealKey(ref: KeyRef, plaintext: string, given: Keyring | undefined): Promise<SealedKey> {
  const ring = given ?? (await keyring());
  const dek = randomBytes(32);
  try {
    const wrapped = await wrapKeyDek(ref, dek, ring);
    const s = seal(dek, Buffer.from(plaintext, 'utf8'), keyAad(ref));
    return { formatVersion: FORMAT_VERSION, alg: ALG, dekVersion: null, ...wrapped, nonce: bytes(s.nonce), ciphertext: bytes(s.ciphertext), tag: bytes(s.tag) };
  } finally {
    dek.fill(0);
  }
}

async function openKey(db: Db | Tx, ref: KeyRef, row: StoredSealedKey, given: Keyring | undefined): Promise<string> {
  if (row.alg !== ALG) throw new CryptoError('format');
  const ring = given ?? (await keyring());
  const sealed = { nonce: buf(row.nonce), ciphertext: buf(row.ciphertext), tag: buf(row.tag) };
  if (row.formatVersion === FORMAT_VERSION) {
    const dek = await unwrapKeyDek(ref, row, ring);
    try {
      return open(dek, sealed, keyAad(ref)).toString('utf8');
    } finally {
      dek.fill(0);
    }
  }
  if (row.formatVersion === LEGACY_FORMAT_VERSION && row.dekVersion !== null) {
    const [store, owner, aad] =
      'workspaceId' in ref
        ? [workspaceDeks, ref.workspaceId, providerKeyAad({ ...ref, dekVersion: row.dekVersion })]
        : [userDeks, ref.userId, userKeyAad({ ...ref, dekVersion: row.dekVersion })];
    const dekRow = await store.get(db, owner, row.dekVersion);
    if (!dekRow) throw new CryptoError('missing_key');
    return open(await unwrapLegacy(store, dekRow, ring), sealed, aad).toString('utf8');
  }
  throw new CryptoError('format');
}

// ---- workspace keys ----

/** Seals a provider key for its row (the id is generated before, as it is part of the AAD). */
export function sealProviderKey(target: { workspaceId: string; provider: string; keyId: string }, plaintext: string, ring?: Keyring): Promise<SealedKey> {
  return sealKey(target, plaintext, ring);
}

/** Opens a sealed provider key. Only src/server/vault/decrypt.ts calls this. */
export function openSealedKey(db: Db, row: SealedKeyRow, ring?: Keyring): Promise<string> {
  return openKey(db, { workspaceId: row.workspaceId, provider: row.provider, keyId: row.id }, row, ring);
}

// ---- user default keys (PRODUCT.md M6) ----

export function sealUserKey(target: { userId: string; provider: string; keyId: string }, plaintext: string, ring?: Keyring): Promise<SealedKey> {
  return sealKey(target, plaintext, ring);
}

/** Opens a user's default key; only the copy into a new workspace calls this. */
export function openUserKey(db: Db | Tx, row: SealedUserKey, ring?: Keyring): Promise<string> {
  return openKey(db, { userId: row.userId, provider: row.provider, keyId: row.keyId }, row, ring);
}

// ---- format 1: shared data keys, the workspace's and the user's ----

type WrappedDek = { owner: string; dekVersion: number; kekVersion: string; nonce: Uint8Array; wrappedKey: Uint8Array; tag: Uint8Array };
type NewWrappedDek = { kekVersion: string; nonce: Bytes; wrappedKey: Bytes; tag: Bytes };

type DekStore = {
  aad(owner: string, dekVersion: number, kekVersion: string): Buffer;
  get(db: Db | Tx, owner: string, dekVersion: number): Promise<WrappedDek | null>;
  /** Keys wrapped by a version other than `primary`. */
  stale(db: Db, primary: string): Promise<WrappedDek[]>;
  /** Replaces the wrapping only if the row still holds `from`; returns the number of rows updated. */
  rewrap(db: Db, owner: string, dekVersion: number, from: string, to: NewWrappedDek): Promise<number>;
  /** Deletes the data keys no format 1 key is sealed under any more; returns how many. */
  deleteUnused(db: Db): Promise<number>;
};

const workspaceDeks: DekStore = {
  aad: workspaceDekAad,
  get: async (db, owner, dekVersion) => {
    const r = await db.workspaceDataKey.findUnique({ where: { workspaceId_dekVersion: { workspaceId: owner, dekVersion } } });
    return r && { ...r, owner: r.workspaceId };
  },
  stale: async (db, primary) =>
    (await db.workspaceDataKey.findMany({ where: { kekVersion: { not: primary } } })).map((r) => ({ ...r, owner: r.workspaceId })),
  rewrap: async (db, owner, dekVersion, from, to) =>
    (await db.workspaceDataKey.updateMany({ where: { workspaceId: owner, dekVersion, kekVersion: from }, data: to })).count,
  deleteUnused: (db) => db.$executeRaw`
    DELETE FROM workspace_data_key d WHERE NOT EXISTS (
      SELECT 1 FROM provider_key k WHERE k."workspaceId" = d."workspaceId" AND k."formatVersion" = ${LEGACY_FORMAT_VERSION} AND k."dekVersion" = d."dekVersion")`,
};

const userDeks: DekStore = {
  aad: userDekAad,
  get: async (db, owner, dekVersion) => {
    const r = await db.userDataKey.findUnique({ where: { userId_dekVersion: { userId: owner, dekVersion } } });
    return r && { ...r, owner: r.userId };
  },
  stale: async (db, primary) => (await db.userDataKey.findMany({ where: { kekVersion: { not: primary } } })).map((r) => ({ ...r, owner: r.userId })),
  rewrap: async (db, owner, dekVersion, from, to) =>
    (await db.userDataKey.updateMany({ where: { userId: owner, dekVersion, kekVersion: from }, data: to })).count,
  deleteUnused: (db) => db.$executeRaw`
    DELETE FROM user_data_key d WHERE NOT EXISTS (
      SELECT 1 FROM user_ai_defaults u WHERE u."userId" = d."userId" AND u."formatVersion" = ${LEGACY_FORMAT_VERSION} AND u."dekVersion" = d."dekVersion")`,
};

async function unwrapLegacy(store: DekStore, row: WrappedDek, ring: Keyring): Promise<Buffer> {
  return open(
    await kek(ring, row.kekVersion),
    { nonce: buf(row.nonce), ciphertext: buf(row.wrappedKey), tag: buf(row.tag) },
    store.aad(row.owner, row.dekVersion, row.kekVersion),
  );
}

async function wrapLegacy(store: DekStore, owner: string, dekVersion: number, dek: Buffer, ring: Keyring): Promise<NewWrappedDek> {
  const w = seal(await kek(ring, ring.primary), dek, store.aad(owner, dekVersion, ring.primary));
  return { kekVersion: ring.primary, nonce: bytes(w.nonce), wrappedKey: bytes(w.ciphertext), tag: bytes(w.tag) };
}

const sealedColumns = {
  formatVersion: true, alg: true, dekVersion: true, kekVersion: true, dekNonce: true, wrappedDek: true, dekTag: true,
  nonce: true, ciphertext: true, tag: true,
} as const;

type NullableSealed = { [K in keyof StoredSealedKey]: StoredSealedKey[K] | null };

/** A user default row's sealed columns, when it holds a key (those columns are nullable there). */
function storedSealed(r: NullableSealed): StoredSealedKey | null {
  const { formatVersion, alg, nonce, ciphertext, tag } = r;
  if (formatVersion === null || alg === null || !nonce || !ciphertext || !tag) return null;
  return { ...r, formatVersion, alg, nonce, ciphertext, tag };
}

/**
 * Re-seals every format 1 key under its own data key (wrapped by the primary master key), each row
 * conditionally on still holding what was read, then deletes the shared data keys no key uses any more.
 * Idempotent and resumable; a key the keyring cannot open stays as it is and is counted.
 */
export async function upgradeLegacyKeys(db: Db, given?: Keyring): Promise<{ upgraded: number; unreadable: number; dataKeysDeleted: number }> {
  const ring = given ?? (await keyring());
  let upgraded = 0;
  let unreadable = 0;
  const reseal = async (ref: KeyRef, row: StoredSealedKey, write: (s: SealedKey) => Promise<number>) => {
    let plaintext: string;
    try {
      plaintext = await openKey(db, ref, row, ring);
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      unreadable++;
      return;
    }
    upgraded += await write(await sealKey(ref, plaintext, ring));
  };
  const keys = await db.providerKey.findMany({
    where: { formatVersion: LEGACY_FORMAT_VERSION },
    select: { id: true, workspaceId: true, provider: true, ...sealedColumns },
  });
  for (const k of keys) {
    await reseal({ workspaceId: k.workspaceId, provider: k.provider, keyId: k.id }, k, async (s) =>
      (await db.providerKey.updateMany({ where: { id: k.id, formatVersion: LEGACY_FORMAT_VERSION, nonce: k.nonce }, data: s })).count);
  }
  const defaults = await db.userAiDefaults.findMany({
    where: { formatVersion: LEGACY_FORMAT_VERSION, keyId: { not: null } },
    select: { userId: true, provider: true, keyId: true, ...sealedColumns },
  });
  for (const d of defaults) {
    const row = storedSealed(d);
    if (!row || !d.keyId) continue;
    await reseal({ userId: d.userId, provider: d.provider, keyId: d.keyId }, row, async (s) =>
      (await db.userAiDefaults.updateMany({ where: { userId: d.userId, keyId: d.keyId, formatVersion: LEGACY_FORMAT_VERSION, nonce: d.nonce }, data: s })).count);
  }
  const dataKeysDeleted = (await workspaceDeks.deleteUnused(db)) + (await userDeks.deleteUnused(db));
  return { upgraded, unreadable, dataKeysDeleted };
}

// ---- rotation ----

/**
 * Re-wraps every data key that is not under the primary master key: each provider key's own data key
 * and any format 1 shared data key. Each row is updated on its own, conditionally on still holding the
 * old wrapping, so the job is idempotent, resumable and safe to run while the app serves requests (old
 * versions keep decrypting until it finishes). A data key the keyring cannot open stays as it is (and
 * stays unreadable); the job goes on and reports it.
 */
export async function rewrapDataKeys(db: Db, given?: Keyring): Promise<{ rewrapped: number; unreadable: number; remaining: number }> {
  const ring = given ?? (await keyring());
  let rewrapped = 0;
  let unreadable = 0;
  const rewrapOne = async (unwrap: () => Promise<Buffer>, write: (dek: Buffer) => Promise<number>) => {
    let dek: Buffer;
    try {
      dek = await unwrap();
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      unreadable++;
      return;
    }
    try {
      rewrapped += await write(dek);
    } finally {
      dek.fill(0);
    }
  };

  const stale = { kekVersion: { not: ring.primary }, formatVersion: FORMAT_VERSION };
  for (const k of await db.providerKey.findMany({ where: stale, select: { id: true, workspaceId: true, provider: true, ...sealedColumns } })) {
    const ref = { workspaceId: k.workspaceId, provider: k.provider, keyId: k.id };
    await rewrapOne(() => unwrapKeyDek(ref, k, ring), async (dek) =>
      (await db.providerKey.updateMany({ where: { id: k.id, kekVersion: k.kekVersion, wrappedDek: k.wrappedDek }, data: await wrapKeyDek(ref, dek, ring) })).count);
  }
  for (const d of await db.userAiDefaults.findMany({ where: stale, select: { userId: true, provider: true, keyId: true, ...sealedColumns } })) {
    const row = storedSealed(d);
    if (!row || !d.keyId) continue;
    const ref = { userId: d.userId, provider: d.provider, keyId: d.keyId };
    await rewrapOne(() => unwrapKeyDek(ref, row, ring), async (dek) =>
      (await db.userAiDefaults.updateMany({ where: { userId: d.userId, keyId: d.keyId, kekVersion: d.kekVersion, wrappedDek: d.wrappedDek }, data: await wrapKeyDek(ref, dek, ring) })).count);
  }
  for (const store of [workspaceDeks, userDeks]) {
    for (const row of await store.stale(db, ring.primary)) {
      await rewrapOne(() => unwrapLegacy(store, row, ring), async (dek) =>
        store.rewrap(db, row.owner, row.dekVersion, row.kekVersion, await wrapLegacy(store, row.owner, row.dekVersion, dek, ring)));
    }
  }
  const remaining =
    (await db.providerKey.count({ where: stale })) +
    (await db.userAiDefaults.count({ where: stale })) +
    (await workspaceDeks.stale(db, ring.primary)).length +
    (await userDeks.stale(db, ring.primary)).length;
  return { rewrapped, unreadable, remaining };
}

/** Every master key version some stored data key is wrapped by. */
export async function masterKeyVersionsInUse(db: Db): Promise<Set<string>> {
  const rows = await db.$queryRaw<{ v: string }[]>`
    SELECT "kekVersion" AS v FROM workspace_data_key
    UNION SELECT "kekVersion" FROM user_data_key
    UNION SELECT "kekVersion" FROM provider_key WHERE "kekVersion" IS NOT NULL
    UNION SELECT "kekVersion" FROM user_ai_defaults WHERE "kekVersion" IS NOT NULL`;
  return new Set(rows.map((r) => r.v));
}
