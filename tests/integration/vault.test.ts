import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { masterKeyVersionsInUse, rewrapDataKeys, upgradeLegacyKeys } from '~/server/vault/envelope';
import {
  type Keyring,
  keyring,
  loadKeyring,
  localKeyringPath,
  masterKey,
  retireLocalMasterKeys,
  rotateLocalMasterKey,
  setKeyring,
} from '~/server/vault/keyring';
import { describeEachDb } from '../helpers/db';
import { canaryKey } from '../helpers/canary';
import { callerFor, dumpDatabaseText, proWorkspace } from '../helpers/fixtures';
import { insertLegacyDefaultKey, insertLegacyKeys } from '../helpers/legacy-keys';

const ring = (primary: string, versions: Record<string, Buffer>): Keyring => ({ source: 'env', primary, keys: new Map(Object.entries(versions)) });
afterEach(() => setKeyring(undefined));

describe('keyring sources', () => {
  const b64 = (n: number) => randomBytes(n).toString('base64');

  it('accepts 32-byte keys from the environment and removes them from process.env', async () => {
    const env: Record<string, string | undefined> = { MASTER_KEYS: `k1:${b64(32)},k2:${b64(32)}`, MASTER_KEY_PRIMARY: 'k1' };
    const r = await loadKeyring(env);
    expect(r.primary).toBe('k1');
    expect([...r.keys.keys()]).toEqual(['k1', 'k2']);
    expect(env.MASTER_KEYS).toBeUndefined();
  });

  it.each([
    ['empty', 'k1:'],
    ['31 bytes', `k1:${b64(31)}`],
    ['33 bytes', `k1:${b64(33)}`],
    ['no version', b64(32)],
    ['bad version name', `key1:${b64(32)}`],
  ])('refuses a %s master key with a clear error that names no key', async (_name, value) => {
    await expect(loadKeyring({ MASTER_KEYS: value })).rejects.toThrow(/master key|MASTER_KEYS|version/i);
  });

  it('refuses a primary version that is not configured', async () => {
    await expect(loadKeyring({ MASTER_KEYS: `k1:${b64(32)}`, MASTER_KEY_PRIMARY: 'k7' })).rejects.toThrow(/primary/);
  });

  it('creates a local key file with mode 0600, then rotates and retires versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyring-'));
    const { version } = rotateLocalMasterKey(dir); // creates k1, then adds k2
    expect(version).toBe('k2');
    expect(statSync(localKeyringPath(dir)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(localKeyringPath(dir), 'utf8')) as { primary: string; keys: Record<string, string> };
    expect(file.primary).toBe('k2');
    expect(Object.keys(file.keys)).toEqual(['k1', 'k2']);
    expect(retireLocalMasterKeys(dir, new Set(['k2']))).toEqual(['k1']);
  });

  it('reloads the local key file when stored data names a version rotated in by another process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyring-'));
    const running = await loadKeyring({ DATA_DIR: dir });
    expect(running.primary).toBe('k1');
    rotateLocalMasterKey(dir); // the admin CLI, in another process
    const k2 = await masterKey(running, 'k2');
    expect(k2).toHaveLength(32);
    expect(running.primary).toBe('k2'); // new data keys are wrapped by the new primary from now on
    expect(await masterKey(running, 'k7')).toBeUndefined();
  });
});

await describeEachDb('vault', (getDb) => {
  const t = { get db() { return getDb().db; } };

  async function storedKey(name: string, provider: 'openai' | 'anthropic' = 'openai') {
    const w = await proWorkspace(t.db, name);
    const k = canaryKey(provider === 'openai' ? 'sk-proj-' : 'sk-ant-api03-');
    const { key } = await callerFor(t.db, w.owner).keys.create({ workspaceId: w.workspaceId, provider, label: 'primary', apiKey: k });
    return { ...w, keyId: key.id, plaintext: k };
  }

  it('decrypts a stored key only with its own row', async () => {
    const a = await storedKey('Swap A');
    expect(await decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId: a.keyId, actorId: a.owner.id })).toBe(a.plaintext);

    // Copy A's sealed key, wrapped data key included, into another workspace's row, another provider's
    // row and another key id.
    const src = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.keyId } });
    const b = await storedKey('Swap B');
    const c = await storedKey('Swap C', 'anthropic');
    const triple = {
      nonce: src.nonce, ciphertext: src.ciphertext, tag: src.tag,
      kekVersion: src.kekVersion, dekNonce: src.dekNonce, wrappedDek: src.wrappedDek, dekTag: src.dekTag,
    };
    await t.db.providerKey.update({ where: { id: b.keyId }, data: triple });
    await t.db.providerKey.update({ where: { id: c.keyId }, data: triple });
    for (const x of [b, c]) {
      await expect(decryptProviderKey(t.db, { workspaceId: x.workspaceId, keyId: x.keyId, actorId: x.owner.id })).rejects.toMatchObject({
        reason: 'key_unreadable',
      });
      const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: x.keyId } });
      expect(row.status).toBe('needs_reentry');
      expect(await t.db.auditEvent.count({ where: { keyId: x.keyId, operation: 'key.decrypt_failed' } })).toBe(1);
    }
    // Same workspace, other key id.
    const second = await callerFor(t.db, a.owner).keys.create({ workspaceId: a.workspaceId, provider: 'openai', label: 'second', apiKey: canaryKey() });
    await t.db.providerKey.update({ where: { id: second.key.id }, data: triple });
    await expect(decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId: second.key.id, actorId: a.owner.id })).rejects.toMatchObject({ reason: 'key_unreadable' });
  });

  it('fails closed on a flipped ciphertext bit, a flipped wrapped data key bit or an unknown master key version', async () => {
    const a = await storedKey('Tamper');
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.keyId } });
    const flipped = Buffer.from(row.ciphertext);
    flipped[0]! ^= 1;
    await t.db.providerKey.update({ where: { id: a.keyId }, data: { ciphertext: new Uint8Array(flipped) } });
    const verify = callerFor(t.db, a.owner).keys.verify({ workspaceId: a.workspaceId, keyId: a.keyId });
    await expect(verify).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });

    const b = await storedKey('Bad DEK');
    const wrapped = Buffer.from((await t.db.providerKey.findUniqueOrThrow({ where: { id: b.keyId } })).wrappedDek!);
    wrapped[5]! ^= 1;
    await t.db.providerKey.update({ where: { id: b.keyId }, data: { wrappedDek: new Uint8Array(wrapped) } });
    await expect(decryptProviderKey(t.db, { workspaceId: b.workspaceId, keyId: b.keyId, actorId: b.owner.id })).rejects.toMatchObject({ reason: 'key_unreadable' });

    const c = await storedKey('No KEK');
    await t.db.providerKey.update({ where: { id: c.keyId }, data: { kekVersion: 'k999' } });
    await expect(decryptProviderKey(t.db, { workspaceId: c.workspaceId, keyId: c.keyId, actorId: c.owner.id })).rejects.toMatchObject({ reason: 'key_unreadable' });
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: c.keyId } })).status).toBe('needs_reentry');
  });

  it('seals each key under its own data key, never a shared one', async () => {
    const a = await storedKey('Own DEK');
    const secondKey = canaryKey();
    const second = await callerFor(t.db, a.owner).keys.create({ workspaceId: a.workspaceId, provider: 'openai', label: 'second', apiKey: secondKey });
    const rows = await t.db.providerKey.findMany({ where: { workspaceId: a.workspaceId } });
    expect(rows).toHaveLength(2);
    for (const r of rows) expect([r.formatVersion, r.dekVersion, r.wrappedDek?.length]).toEqual([2, null, 32]);
    expect(Buffer.from(rows[0]!.wrappedDek!).equals(Buffer.from(rows[1]!.wrappedDek!))).toBe(false);
    expect(await t.db.workspaceDataKey.count({ where: { workspaceId: a.workspaceId } })).toBe(0);

    // Another key's wrapped data key does not open this key's ciphertext.
    const other = rows.find((r) => r.id === second.key.id)!;
    await t.db.providerKey.update({ where: { id: a.keyId }, data: { dekNonce: other.dekNonce, wrappedDek: other.wrappedDek, dekTag: other.dekTag } });
    await expect(decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId: a.keyId, actorId: a.owner.id })).rejects.toMatchObject({ reason: 'key_unreadable' });
    expect(await decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId: second.key.id, actorId: a.owner.id })).toBe(secondKey);
  });

  it('keeps decrypting across a master-key rotation, and after rewrap without the old version', async () => {
    // Start from the keyring the other tests used (its k1), so every data key in this database is readable
    // once the keys earlier tests broke on purpose (flagged for re-entry) are gone.
    await t.db.providerKey.deleteMany({ where: { status: 'needs_reentry' } });
    const current = await keyring();
    const k1 = current.keys.get(current.primary)!;
    const k2 = randomBytes(32);
    setKeyring(ring('k1', { k1 }));
    const before = await storedKey('Rotate');
    // A user default key, sealed under the user's own data key.
    const defaultsKey = canaryKey('sk-ant-api03-');
    await callerFor(t.db, before.owner).account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: defaultsKey, model: 'claude-sonnet-4-20250514' });

    // Rotation: k2 becomes primary, k1 stays for decryption.
    setKeyring(ring('k2', { k1, k2 }));
    expect(await decryptProviderKey(t.db, { workspaceId: before.workspaceId, keyId: before.keyId, actorId: before.owner.id })).toBe(before.plaintext);
    const after = await storedKey('Rotate later'); // new keys get data keys wrapped by k2
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: after.keyId } })).kekVersion).toBe('k2');

    const r = await rewrapDataKeys(t.db, await keyring());
    expect(r).toMatchObject({ remaining: 0, unreadable: 0 });
    expect(r.rewrapped).toBeGreaterThanOrEqual(1);
    expect(await masterKeyVersionsInUse(t.db)).toEqual(new Set(['k2']));
    expect((await rewrapDataKeys(t.db, await keyring())).rewrapped).toBe(0); // idempotent

    // k1 removed from the keyring: everything still decrypts, user default keys included.
    setKeyring(ring('k2', { k2 }));
    for (const x of [before, after]) {
      expect(await decryptProviderKey(t.db, { workspaceId: x.workspaceId, keyId: x.keyId, actorId: x.owner.id })).toBe(x.plaintext);
    }
    const inherited = await callerFor(t.db, before.owner).workspace.create({ name: 'After rotation' });
    const [copied] = await callerFor(t.db, before.owner).keys.list({ workspaceId: inherited.id });
    expect(await decryptProviderKey(t.db, { workspaceId: inherited.id, keyId: copied!.id, actorId: before.owner.id })).toBe(defaultsKey);
  });

  it('reports data keys it cannot open instead of stopping the rewrap', async () => {
    const a = await storedKey('Unreadable');
    setKeyring(ring('k9', { k9: randomBytes(32), k1: randomBytes(32) }));
    const r = await rewrapDataKeys(t.db, await keyring());
    expect(r.unreadable).toBeGreaterThanOrEqual(1);
    expect(r.remaining).toBeGreaterThanOrEqual(1);
    setKeyring(undefined);
    expect(await decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId: a.keyId, actorId: a.owner.id })).toBe(a.plaintext);
  });

  it('stores no raw data key and no unkeyed hash of a provider key', async () => {
    const a = await storedKey('Dump');
    const { createHash } = await import('node:crypto');
    const dump = await dumpDatabaseText(t.db);
    expect(dump).not.toContain(createHash('sha256').update(a.plaintext).digest('hex'));
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.keyId } });
    expect(row.wrappedDek).toHaveLength(32);
  });

  it('gives the same key different ciphertexts in two workspaces', async () => {
    const k = canaryKey();
    const a = await proWorkspace(t.db, 'Same A');
    const b = await proWorkspace(t.db, 'Same B');
    const ka = await callerFor(t.db, a.owner).keys.create({ workspaceId: a.workspaceId, provider: 'openai', label: 'primary', apiKey: k });
    const kb = await callerFor(t.db, b.owner).keys.create({ workspaceId: b.workspaceId, provider: 'openai', label: 'primary', apiKey: k });
    const [ra, rb] = await Promise.all([ka.key.id, kb.key.id].map((id) => t.db.providerKey.findUniqueOrThrow({ where: { id } })));
    expect(Buffer.from(ra!.ciphertext).equals(Buffer.from(rb!.ciphertext))).toBe(false);
    expect(Buffer.from(ra!.nonce).equals(Buffer.from(rb!.nonce))).toBe(false);
    // The keyed fingerprint matches (duplicate warning) without being a plain hash.
    expect(Buffer.from(ra!.fingerprint).equals(Buffer.from(rb!.fingerprint))).toBe(true);
  });
  it('reads keys stored before per-key data keys, then re-seals them under their own and deletes the shared data keys', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Legacy');
    const plaintexts = [canaryKey(), canaryKey()];
    const ids = await insertLegacyKeys(t.db, { workspaceId, ownerId: owner.id }, plaintexts);
    const defaultKey = canaryKey();
    await insertLegacyDefaultKey(t.db, owner.id, defaultKey, 'gpt-4.1-mini');
    const decrypt = (keyId: string) => decryptProviderKey(t.db, { workspaceId, keyId, actorId: owner.id });
    expect(await Promise.all(ids.map(decrypt))).toEqual(plaintexts);
    const legacy = await t.db.providerKey.findUniqueOrThrow({ where: { id: ids[0] } });

    const r = await upgradeLegacyKeys(t.db);
    expect(r.upgraded).toBeGreaterThanOrEqual(3);
    expect(r.unreadable).toBe(0);
    expect(await t.db.workspaceDataKey.count({ where: { workspaceId } })).toBe(0);
    expect(await t.db.userDataKey.count({ where: { userId: owner.id } })).toBe(0);
    expect(await Promise.all(ids.map(decrypt))).toEqual(plaintexts);
    const upgraded = await t.db.providerKey.findUniqueOrThrow({ where: { id: ids[0] } });
    expect([upgraded.formatVersion, upgraded.dekVersion, upgraded.wrappedDek?.length]).toEqual([2, null, 32]);
    expect(Buffer.from(upgraded.ciphertext).equals(Buffer.from(legacy.ciphertext))).toBe(false);
    expect((await upgradeLegacyKeys(t.db)).upgraded).toBe(0); // idempotent

    // The upgraded default key is still copied into a new workspace.
    const created = await callerFor(t.db, owner).workspace.create({ name: 'After upgrade' });
    const [copied] = await callerFor(t.db, owner).keys.list({ workspaceId: created.id });
    expect(await decryptProviderKey(t.db, { workspaceId: created.id, keyId: copied!.id, actorId: owner.id })).toBe(defaultKey);
  });

  it('leaves a key stored before per-key data keys as it is when its data key cannot be opened', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Legacy unreadable');
    const [id] = await insertLegacyKeys(t.db, { workspaceId, ownerId: owner.id }, [canaryKey()]);
    await t.db.workspaceDataKey.updateMany({ where: { workspaceId }, data: { kekVersion: 'k999' } });
    const r = await upgradeLegacyKeys(t.db);
    expect(r.unreadable).toBeGreaterThanOrEqual(1);
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id } })).formatVersion).toBe(1);
    expect(await t.db.workspaceDataKey.count({ where: { workspaceId } })).toBe(1);
    await t.db.providerKey.delete({ where: { id } }); // later tests rewrap every data key
    await t.db.workspaceDataKey.deleteMany({ where: { workspaceId } });
  });
});
