import 'server-only';
// Envelope encryption: each workspace (and, for user AI defaults, each user) has a random 256-bit data
// key (DEK), stored only wrapped by a master key version; provider keys are sealed under the owner's DEK
// with AAD naming their row. Callers never see DEK bytes: they get sealed values, or (decrypt.ts and the
// user-default copy only) a plaintext key.
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { FORMAT_VERSION, providerKeyAad, userDekAad, userKeyAad, workspaceDekAad } from '~/server/vault/aad';
import { CryptoError, open, seal } from '~/server/vault/aead';
import { type Keyring, keyring, masterKey } from '~/server/vault/keyring';

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

async function kek(ring: Keyring, version: string): Promise<Buffer> {
  const k = await masterKey(ring, version);
  if (!k) throw new CryptoError('missing_key');
  return k;
}

// ---- data-key stores: the workspace's and the user's, same scheme, different tables and AAD ----

type WrappedDek = { owner: string; dekVersion: number; kekVersion: string; nonce: Uint8Array; wrappedKey: Uint8Array; tag: Uint8Array };
type NewWrappedDek = Omit<WrappedDek, 'owner'> & { nonce: Uint8Array<ArrayBuffer>; wrappedKey: Uint8Array<ArrayBuffer>; tag: Uint8Array<ArrayBuffer> };

type DekStore = {
  aad(owner: string, dekVersion: number, kekVersion: string): Buffer;
  current(tx: Tx, owner: string): Promise<WrappedDek | null>;
  get(db: Db | Tx, owner: string, dekVersion: number): Promise<WrappedDek | null>;
  /** Inserts version 1 unless a concurrent writer already did; returns it when this call inserted it. */
  insertFirst(tx: Tx, owner: string, row: NewWrappedDek): Promise<WrappedDek | null>;
  /** Keys wrapped by a version other than `primary`. */
  stale(db: Db, primary: string): Promise<WrappedDek[]>;
  /** Replaces the wrapping only if the row still holds `from`; returns the number of rows updated. */
  rewrap(db: Db, owner: string, dekVersion: number, from: string, to: NewWrappedDek): Promise<number>;
};

const workspaceDeks: DekStore = {
  aad: workspaceDekAad,
  current: async (tx, owner) => {
    const r = await tx.workspaceDataKey.findFirst({ where: { workspaceId: owner, retiredAt: null }, orderBy: { dekVersion: 'desc' } });
    return r && { ...r, owner: r.workspaceId };
  },
  get: async (db, owner, dekVersion) => {
    const r = await db.workspaceDataKey.findUnique({ where: { workspaceId_dekVersion: { workspaceId: owner, dekVersion } } });
    return r && { ...r, owner: r.workspaceId };
  },
  insertFirst: async (tx, owner, row) => {
    const [r] = await tx.workspaceDataKey.createManyAndReturn({ data: [{ workspaceId: owner, ...row }], skipDuplicates: true });
    return r ? { ...r, owner: r.workspaceId } : null;
  },
  stale: async (db, primary) =>
    (await db.workspaceDataKey.findMany({ where: { kekVersion: { not: primary } } })).map((r) => ({ ...r, owner: r.workspaceId })),
  rewrap: async (db, owner, dekVersion, from, to) =>
    (await db.workspaceDataKey.updateMany({ where: { workspaceId: owner, dekVersion, kekVersion: from }, data: to })).count,
};

const userDeks: DekStore = {
  aad: userDekAad,
  current: async (tx, owner) => {
    const r = await tx.userDataKey.findFirst({ where: { userId: owner }, orderBy: { dekVersion: 'desc' } });
    return r && { ...r, owner: r.userId };
  },
  get: async (db, owner, dekVersion) => {
    const r = await db.userDataKey.findUnique({ where: { userId_dekVersion: { userId: owner, dekVersion } } });
    return r && { ...r, owner: r.userId };
  },
  insertFirst: async (tx, owner, row) => {
    const [r] = await tx.userDataKey.createManyAndReturn({ data: [{ userId: owner, ...row }], skipDuplicates: true });
    return r ? { ...r, owner: r.userId } : null;
  },
  stale: async (db, primary) => (await db.userDataKey.findMany({ where: { kekVersion: { not: primary } } })).map((r) => ({ ...r, owner: r.userId })),
  rewrap: async (db, owner, dekVersion, from, to) =>
    (await db.userDataKey.updateMany({ where: { userId: owner, dekVersion, kekVersion: from }, data: to })).count,
};

async function unwrap(store: DekStore, row: WrappedDek, ring: Keyring): Promise<Buffer> {
  return open(
    await kek(ring, row.kekVersion),
    { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.wrappedKey), tag: Buffer.from(row.tag) },
    store.aad(row.owner, row.dekVersion, row.kekVersion),
  );
}

async function wrap(store: DekStore, owner: string, dekVersion: number, dek: Buffer, ring: Keyring): Promise<NewWrappedDek> {
  const w = seal(await kek(ring, ring.primary), dek, store.aad(owner, dekVersion, ring.primary));
  return { dekVersion, kekVersion: ring.primary, nonce: bytes(w.nonce), wrappedKey: bytes(w.ciphertext), tag: bytes(w.tag) };
}

/** The owner's current DEK, created (wrapped by the primary master key) on first use. */
async function currentDek(store: DekStore, tx: Tx, owner: string, given: Keyring | undefined): Promise<{ version: number; key: Buffer }> {
  const ring = given ?? (await keyring());
  let row = await store.current(tx, owner);
  if (!row) {
    // A concurrent first key for the same owner may win the insert; then its DEK is used.
    row = (await store.insertFirst(tx, owner, await wrap(store, owner, 1, randomBytes(32), ring))) ?? (await store.current(tx, owner));
    if (!row) throw new CryptoError('missing_key');
  }
  return { version: row.dekVersion, key: await unwrap(store, row, ring) };
}

async function dekAt(store: DekStore, db: Db | Tx, owner: string, dekVersion: number, ring: Keyring | undefined): Promise<Buffer> {
  const row = await store.get(db, owner, dekVersion);
  if (!row) throw new CryptoError('missing_key');
  return unwrap(store, row, ring ?? (await keyring()));
}

// Unwrapped workspace data keys, kept briefly so that a busy workspace does not read and unwrap its
// data key on every run. The bytes of a (workspace, version) data key never change — rewrap changes
// only their wrapping — so an entry goes stale only by age; a rewrap evicts it anyway, and entries belong
// to the keyring that unwrapped them (a new keyring starts empty). At most 1,000 entries for 60 s: the
// cache holds data keys, never provider keys.
const dekCaches = new WeakMap<Keyring, LRUCache<string, Buffer>>();

async function cachedWorkspaceDek(db: Db, workspaceId: string, dekVersion: number, given: Keyring | undefined): Promise<Buffer> {
  const ring = given ?? (await keyring());
  let cache = dekCaches.get(ring);
  if (!cache) dekCaches.set(ring, (cache = new LRUCache<string, Buffer>({ max: 1_000, ttl: 60_000 })));
  const id = `${workspaceId}:${dekVersion}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const key = await dekAt(workspaceDeks, db, workspaceId, dekVersion, ring);
  cache.set(id, key);
  return key;
}

function evictCachedDek(workspaceId: string, dekVersion: number, ring: Keyring): void {
  dekCaches.get(ring)?.delete(`${workspaceId}:${dekVersion}`);
}

function sealed(dekVersion: number, s: { nonce: Buffer; ciphertext: Buffer; tag: Buffer }): SealedKey {
  return { dekVersion, formatVersion: FORMAT_VERSION, alg: ALG, nonce: bytes(s.nonce), ciphertext: bytes(s.ciphertext), tag: bytes(s.tag) };
}

/** A provider key sealed under its workspace's data key `dekVersion`, bound to its row by the AAD. */
function sealUnder(dek: Buffer, dekVersion: number, target: { workspaceId: string; provider: string; keyId: string }, plaintext: string): SealedKey {
  return sealed(dekVersion, seal(dek, Buffer.from(plaintext, 'utf8'), providerKeyAad({ ...target, dekVersion })));
}

function openSealed(dek: Buffer, row: SealedKey, aad: Buffer): string {
  if (row.formatVersion !== FORMAT_VERSION || row.alg !== ALG) throw new CryptoError('format');
  return open(dek, { nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext), tag: Buffer.from(row.tag) }, aad).toString('utf8');
}

// ---- workspace keys ----

/** Seals a provider key for its row. Runs inside the transaction that writes the row. */
export async function sealProviderKey(
  tx: Tx,
  target: { workspaceId: string; provider: string; keyId: string },
  plaintext: string,
  ring?: Keyring,
): Promise<SealedKey> {
  const dek = await currentDek(workspaceDeks, tx, target.workspaceId, ring);
  const s = sealUnder(dek.key, dek.version, target, plaintext);
  await tx.workspaceDataKey.update({
    where: { workspaceId_dekVersion: { workspaceId: target.workspaceId, dekVersion: dek.version } },
    data: { encryptCount: { increment: 1 } },
  });
  return s;
}

export type ClaimedSeal = {
  sealed: SealedKey;
  /**
   * A statement for a CTE of the one statement that writes the key: it yields a row only if `guard`
   * holds and the data key used is still the workspace's current one, and counts the encryption on
   * it — or, for the workspace's first key, inserts the new data key unless another writer's was first.
   * No row: nothing may be written; seal again.
   */
  claim(guard: Prisma.Sql): Prisma.Sql;
};

/**
 * Seals a provider key for a row that a single statement writes, without a transaction around it: the
 * current data key is read (or created) here, and its use is made conditional inside that statement.
 */
export async function sealForStatement(
  db: Db,
  target: { workspaceId: string; provider: string; keyId: string },
  plaintext: string,
  given?: Keyring,
): Promise<ClaimedSeal> {
  const ring = given ?? (await keyring());
  const ws = target.workspaceId;
  const version = (await workspaceDeks.current(db, ws))?.dekVersion;
  if (version === undefined) {
    const dek = randomBytes(32);
    const w = await wrap(workspaceDeks, ws, 1, dek, ring);
    return {
      sealed: sealUnder(dek, 1, target, plaintext),
      claim: (guard) => Prisma.sql`
        INSERT INTO workspace_data_key ("workspaceId", "dekVersion", "kekVersion", nonce, "wrappedKey", tag, "encryptCount")
        SELECT ${ws}, 1, ${w.kekVersion}, ${w.nonce}, ${w.wrappedKey}, ${w.tag}, 1 WHERE ${guard}
        ON CONFLICT DO NOTHING RETURNING "dekVersion"`,
    };
  }
  const dek = await cachedWorkspaceDek(db, ws, version, ring);
  return {
    sealed: sealUnder(dek, version, target, plaintext),
    claim: (guard) => Prisma.sql`
      UPDATE workspace_data_key d SET "encryptCount" = d."encryptCount" + 1
      WHERE d."workspaceId" = ${ws} AND d."dekVersion" = ${version} AND d."retiredAt" IS NULL AND ${guard}
        AND NOT EXISTS (SELECT 1 FROM workspace_data_key n WHERE n."workspaceId" = ${ws} AND n."dekVersion" > ${version} AND n."retiredAt" IS NULL)
      RETURNING d."dekVersion"`,
  };
}

/** Opens a sealed provider key. Only src/server/vault/decrypt.ts calls this. */
export async function openSealedKey(db: Db, row: SealedKeyRow, ring?: Keyring): Promise<string> {
  if (row.formatVersion !== FORMAT_VERSION || row.alg !== ALG) throw new CryptoError('format');
  const dek = await cachedWorkspaceDek(db, row.workspaceId, row.dekVersion, ring);
  return openSealed(dek, row, providerKeyAad({ workspaceId: row.workspaceId, provider: row.provider, keyId: row.id, dekVersion: row.dekVersion }));
}

// ---- user default keys (PRODUCT.md M6) ----

export async function sealUserKey(
  tx: Tx,
  target: { userId: string; provider: string; keyId: string },
  plaintext: string,
  ring?: Keyring,
): Promise<SealedKey> {
  const dek = await currentDek(userDeks, tx, target.userId, ring);
  return sealed(dek.version, seal(dek.key, Buffer.from(plaintext, 'utf8'), userKeyAad({ ...target, dekVersion: dek.version })));
}

/** Opens a user's default key; only the copy into a new workspace calls this. */
export async function openUserKey(
  tx: Tx,
  row: SealedKey & { userId: string; provider: string; keyId: string },
  ring?: Keyring,
): Promise<string> {
  if (row.formatVersion !== FORMAT_VERSION || row.alg !== ALG) throw new CryptoError('format');
  const dek = await dekAt(userDeks, tx, row.userId, row.dekVersion, ring);
  return openSealed(dek, row, userKeyAad({ userId: row.userId, provider: row.provider, keyId: row.keyId, dekVersion: row.dekVersion }));
}

// ---- rotation ----

/**
 * Re-wraps every data key that is not under the primary master key. Each row is updated on its own,
 * conditionally on still holding the old version, so the job is idempotent, resumable and safe to run
 * while the app serves requests (old versions keep decrypting until it finishes). A data key the
 * keyring cannot open stays as it is (and stays unreadable); the job goes on and reports it.
 */
export async function rewrapDataKeys(
  db: Db,
  given?: Keyring,
): Promise<{ rewrapped: number; unreadable: number; remaining: number }> {
  const ring = given ?? (await keyring());
  let rewrapped = 0;
  let unreadable = 0;
  let remaining = 0;
  for (const store of [workspaceDeks, userDeks]) {
    for (const row of await store.stale(db, ring.primary)) {
      let dek: Buffer;
      try {
        dek = await unwrap(store, row, ring);
      } catch (e) {
        if (!(e instanceof CryptoError)) throw e;
        unreadable++;
        continue;
      }
      rewrapped += await store.rewrap(db, row.owner, row.dekVersion, row.kekVersion, await wrap(store, row.owner, row.dekVersion, dek, ring));
      if (store === workspaceDeks) evictCachedDek(row.owner, row.dekVersion, ring);
    }
    remaining += (await store.stale(db, ring.primary)).length;
  }
  return { rewrapped, unreadable, remaining };
}

export async function masterKeyVersionsInUse(db: Db): Promise<Set<string>> {
  const ws = await db.workspaceDataKey.groupBy({ by: ['kekVersion'] });
  const users = await db.userDataKey.groupBy({ by: ['kekVersion'] });
  return new Set([...ws, ...users].map((r) => r.kekVersion));
}
