// What "removed" means on disk (issue 15 item 11, reference/security.md §3.6): after Remove, Replace or
// clearing a default key, no file of the embedded database's data directory — table files and
// write-ahead log alike — holds the old ciphertext or the wrapped data key that opened it; and a copy of
// the row kept elsewhere (a backup) stops decrypting once the master key versions it was wrapped by are
// retired, even with the live database at hand.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase, type Opened } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { rewrapDataKeys } from '~/server/vault/envelope';
import { type Keyring, keyring, setKeyring } from '~/server/vault/keyring';
import { upgradeAndReclaimKeys } from '~/server/vault/reclaim';
import { canaryKey } from '../helpers/canary';
import { createTestDb, describeEachDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db';
import { callerFor, proWorkspace } from '../helpers/fixtures';
import { insertLegacyDefaultKey, insertLegacyKeys } from '../helpers/legacy-keys';

type Material = Record<string, Buffer>;

/** The stored bytes that, with the master key, give the key back: its ciphertext and its wrapped data key. */
async function materialOf(db: Db, table: 'provider_key' | 'user_ai_defaults', where: { id: string } | { userId: string }): Promise<Material> {
  const [col, value] = 'id' in where ? ['id', where.id] : ['userId', where.userId];
  const [row] = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM ${table} WHERE "${col}" = $1`, value);
  if (!row) throw new Error('no such row');
  const m: Material = {};
  for (const name of ['ciphertext', 'wrappedDek']) {
    if (row[name] instanceof Uint8Array) m[name] = Buffer.from(row[name]);
  }
  expect(m.ciphertext?.length).toBeGreaterThan(16);
  return m;
}

/** 16-byte windows of each secret, so that a partial copy (a WAL record that logs part of a tuple) is found too. */
function needles(m: Material): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [name, b] of Object.entries(m)) {
    for (let i = 0; i + 16 <= b.length; i += 8) out.push([name, b.subarray(i, i + 16)]);
  }
  return out;
}

/** Every file under `dir` that holds any piece of the material, as "path: name". */
function scanDir(dir: string, m: Material): string[] {
  const n = needles(m);
  const hits = new Set<string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        for (const [name, needle] of n) if (bytes.includes(needle)) hits.add(`${p.slice(dir.length)}: ${name}`);
      }
    }
  };
  walk(dir);
  return [...hits].sort();
}

async function openOnDisk(dataDir: string): Promise<Opened> {
  const opened = openDatabase({ kind: 'pglite', dataDir });
  await applyMigrations(await openSchemaEngine(opened.adapterFactory), await readMigrations());
  return opened;
}

describe('removed keys leave the embedded data directory [pglite on disk]', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'byok-shred-'));
  let opened: Opened;
  const t = { get db() { return opened.db; } };

  beforeAll(async () => {
    opened = await openOnDisk(dataDir);
  });
  afterAll(async () => opened?.close());

  /** Closes the database (everything is on disk), scans its files, and opens it again. */
  async function scanClosed(m: Material): Promise<string[]> {
    await opened.close();
    const hits = scanDir(dataDir, m);
    opened = await openOnDisk(dataDir);
    return hits;
  }

  it('finds a stored key in the data directory (the scan works)', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Scan works');
    const { key } = await callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() });
    const m = await materialOf(t.db, 'provider_key', { id: key.id });
    expect(await scanClosed(m)).not.toEqual([]);
  });

  it('Remove leaves neither the ciphertext nor its wrapped data key in any file, and the other keys still decrypt', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Shred remove');
    const caller = () => callerFor(t.db, owner);
    const gone = canaryKey();
    const kept = canaryKey();
    const a = (await caller().keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: gone })).key;
    const b = (await caller().keys.create({ workspaceId, provider: 'openai', label: 'second', apiKey: kept })).key;
    // Each use rewrites the row: the table file then holds older versions of it too.
    await caller().keys.verify({ workspaceId, keyId: a.id });
    await t.db.providerKey.update({ where: { id: a.id }, data: { lastUsedAt: new Date() } });
    const m = await materialOf(t.db, 'provider_key', { id: a.id });

    await caller().keys.remove({ workspaceId, keyId: a.id });

    expect(await scanClosed(m)).toEqual([]);
    expect(await t.db.providerKey.count({ where: { id: a.id } })).toBe(0);
    expect(await decryptProviderKey(t.db, { workspaceId, keyId: b.id, actorId: owner.id })).toBe(kept);
  });

  it('Replace leaves the old ciphertext and its wrapped data key in no file', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Shred replace');
    const { key } = await callerFor(t.db, owner).keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey: canaryKey('sk-ant-api03-') });
    const old = await materialOf(t.db, 'provider_key', { id: key.id });
    const next = canaryKey('sk-ant-api03-');

    await callerFor(t.db, owner).keys.replace({ workspaceId, keyId: key.id, apiKey: next });

    expect(await scanClosed(old)).toEqual([]);
    expect(await decryptProviderKey(t.db, { workspaceId, keyId: key.id, actorId: owner.id })).toBe(next);
  });

  it('replacing and clearing a default key leave its old ciphertexts in no file', async () => {
    const { owner } = await proWorkspace(t.db, 'Shred defaults');
    const account = () => callerFor(t.db, owner).account;
    const set = (apiKey: string | null) => account().setAiDefaults({ mode: 'byok', provider: 'openai', apiKey });
    await set(canaryKey());
    const first = await materialOf(t.db, 'user_ai_defaults', { userId: owner.id });
    await set(canaryKey());
    const second = await materialOf(t.db, 'user_ai_defaults', { userId: owner.id });
    expect(await scanClosed(first)).toEqual([]);

    await set(null);
    expect(await scanClosed(second)).toEqual([]);

    for (const clear of [() => account().setAiDefaults({ mode: 'managed', provider: 'openai' }), () => account().clearAiDefaults()]) {
      await set(canaryKey());
      const m = await materialOf(t.db, 'user_ai_defaults', { userId: owner.id });
      await clear();
      expect(await scanClosed(m)).toEqual([]);
    }
  });

  it('start-up reclaims the rows of a removal whose process stopped before reclaiming them', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Shred crash');
    const { key } = await callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() });
    const m = await materialOf(t.db, 'provider_key', { id: key.id });
    await t.db.providerKey.delete({ where: { id: key.id } }); // committed; the process dies here
    expect(await scanClosed(m)).not.toEqual([]);

    expect(await upgradeAndReclaimKeys(t.db)).toMatchObject({ reclaimed: true });
    expect(await scanClosed(m)).toEqual([]);
  });

  it('start-up re-seals keys stored before per-key data keys and leaves their old ciphertexts and shared data keys in no file', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Shred legacy');
    const plaintexts = [canaryKey(), canaryKey()];
    const ids = await insertLegacyKeys(t.db, { workspaceId, ownerId: owner.id }, plaintexts);
    await insertLegacyDefaultKey(t.db, owner.id, canaryKey(), 'gpt-4.1-mini');
    const old: Material = {};
    for (const [i, id] of ids.entries()) old[`ciphertext ${i}`] = (await materialOf(t.db, 'provider_key', { id })).ciphertext!;
    old['default ciphertext'] = (await materialOf(t.db, 'user_ai_defaults', { userId: owner.id })).ciphertext!;
    old['workspace data key'] = Buffer.from((await t.db.workspaceDataKey.findFirstOrThrow({ where: { workspaceId } })).wrappedKey);
    old['user data key'] = Buffer.from((await t.db.userDataKey.findFirstOrThrow({ where: { userId: owner.id } })).wrappedKey);

    expect(await upgradeAndReclaimKeys(t.db)).toMatchObject({ upgraded: 3, unreadable: 0, dataKeysDeleted: 2, reclaimed: true });

    expect(await scanClosed(old)).toEqual([]);
    for (const [i, id] of ids.entries()) expect(await decryptProviderKey(t.db, { workspaceId, keyId: id, actorId: owner.id })).toBe(plaintexts[i]);
  });
});

const ring = (primary: string, versions: Record<string, Buffer>): Keyring => ({ source: 'env', primary, keys: new Map(Object.entries(versions)) });

await describeEachDb('removed keys and backups', (getDb) => {
  const t = { get db() { return getDb().db; } };
  afterEach(() => setKeyring(undefined));

  // A backup taken before the removal still holds the row. Restoring it into the live database is the
  // strongest attacker this guarantee covers: the live data, the current master key, the old row.
  it('a removed key restored from a backup stops decrypting once the master key versions that wrapped it are retired', async () => {
    const current = await keyring();
    const k1 = current.keys.get(current.primary)!;
    const k2 = randomBytes(32);
    setKeyring(ring('k1', { k1 }));
    const { owner, workspaceId } = await proWorkspace(t.db, 'Backup');
    const caller = () => callerFor(t.db, owner);
    const gone = canaryKey();
    const kept = canaryKey();
    const a = (await caller().keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: gone })).key;
    const b = (await caller().keys.create({ workspaceId, provider: 'openai', label: 'second', apiKey: kept })).key;
    const backup = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.id } });
    await caller().keys.remove({ workspaceId, keyId: a.id });
    const restore = async () => {
      await t.db.providerKey.create({ data: backup });
      try {
        return await decryptProviderKey(t.db, { workspaceId, keyId: a.id, actorId: owner.id });
      } finally {
        await t.db.providerKey.delete({ where: { id: a.id } });
      }
    };

    // Rotation and rewrap alone do not shred: the old version still opens the backup.
    setKeyring(ring('k2', { k1, k2 }));
    expect(await rewrapDataKeys(t.db, await keyring())).toMatchObject({ remaining: 0, unreadable: 0 });
    expect(await restore()).toBe(gone);

    // Retired: the live database and the current master key no longer open the backup's row.
    setKeyring(ring('k2', { k2 }));
    await expect(restore()).rejects.toMatchObject({ reason: 'key_unreadable' });
    expect(await decryptProviderKey(t.db, { workspaceId, keyId: b.id, actorId: owner.id })).toBe(kept);
  });
});

// PostgreSQL's own files, read through the server (superuser only): the table files are reclaimed;
// its write-ahead log belongs to the operator (see docs/security.md, "What Remove guarantees").
describe.runIf(TEST_DATABASE_URL)('removed keys leave the PostgreSQL table files [postgres]', () => {
  let pg: TestDb;
  beforeAll(async () => {
    pg = await createTestDb('postgres');
  });
  afterAll(async () => pg?.close());

  async function scanDatabaseFiles(db: Db, m: Material): Promise<string[] | null> {
    const [su] = await db.$queryRaw<{ su: boolean }[]>`SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user`;
    if (!su?.su) return null;
    await db.$executeRawUnsafe('CHECKPOINT'); // so the files hold what the buffers hold
    const [{ dir } = { dir: '' }] = await db.$queryRaw<{ dir: string }[]>`SELECT 'base/' || oid AS dir FROM pg_database WHERE datname = current_database()`;
    const files = await db.$queryRaw<{ f: string }[]>`SELECT f FROM pg_ls_dir(${dir}) AS f`;
    const n = needles(m);
    const hits = new Set<string>();
    for (const { f } of files) {
      const [row] = await db.$queryRaw<{ b: Uint8Array | null }[]>`SELECT pg_read_binary_file(${`${dir}/${f}`}::text, 0::bigint, (pg_stat_file(${`${dir}/${f}`}::text, true)).size, true) AS b`;
      const bytes = Buffer.from(row?.b ?? new Uint8Array());
      for (const [name, needle] of n) if (bytes.includes(needle)) hits.add(`${f}: ${name}`);
    }
    return [...hits];
  }

  it('Remove leaves the ciphertext in no table file of the database', async (ctx) => {
    const db = pg.db;
    const { owner, workspaceId } = await proWorkspace(db, 'PG shred');
    const { key } = await callerFor(db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() });
    await db.providerKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } });
    const m = await materialOf(db, 'provider_key', { id: key.id });
    const before = await scanDatabaseFiles(db, m);
    if (before === null) return ctx.skip();
    expect(before).not.toEqual([]);

    await callerFor(db, owner).keys.remove({ workspaceId, keyId: key.id });
    expect(await scanDatabaseFiles(db, m)).toEqual([]);
  });
});
