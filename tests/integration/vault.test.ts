import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { masterKeyVersionsInUse, rewrapDataKeys } from '~/server/vault/envelope';
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

    // Copy A's ciphertext into another workspace's row, another provider's row and another key id.
    const src = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.keyId } });
    const b = await storedKey('Swap B');
    const c = await storedKey('Swap C', 'anthropic');
    const triple = { nonce: src.nonce, ciphertext: src.ciphertext, tag: src.tag, dekVersion: src.dekVersion };
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

  it('fails closed on a flipped ciphertext bit or a missing data key, without calling the provider', async () => {
    const a = await storedKey('Tamper');
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: a.keyId } });
    const flipped = Buffer.from(row.ciphertext);
    flipped[0]! ^= 1;
    await t.db.providerKey.update({ where: { id: a.keyId }, data: { ciphertext: new Uint8Array(flipped) } });
    const verify = callerFor(t.db, a.owner).keys.verify({ workspaceId: a.workspaceId, keyId: a.keyId });
    await expect(verify).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });

    const b = await storedKey('No DEK');
    await t.db.workspaceDataKey.deleteMany({ where: { workspaceId: b.workspaceId } });
    await expect(decryptProviderKey(t.db, { workspaceId: b.workspaceId, keyId: b.keyId, actorId: b.owner.id })).rejects.toMatchObject({ reason: 'key_unreadable' });
  });

  it('serves repeated decrypts from a per-keyring data-key cache without weakening integrity', async () => {
    const a = await storedKey('DEK cache');
    const second = await callerFor(t.db, a.owner).keys.create({ workspaceId: a.workspaceId, provider: 'openai', label: 'second', apiKey: canaryKey() });
    const decrypt = (keyId: string) => decryptProviderKey(t.db, { workspaceId: a.workspaceId, keyId, actorId: a.owner.id });
    expect(await decrypt(a.keyId)).toBe(a.plaintext); // unwraps the workspace's data key once

    // Each provider key is still authenticated against its own row with a cached data key.
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: second.key.id } });
    const flipped = Buffer.from(row.ciphertext);
    flipped[3]! ^= 1;
    await t.db.providerKey.update({ where: { id: second.key.id }, data: { ciphertext: new Uint8Array(flipped) } });
    await expect(decrypt(second.key.id)).rejects.toMatchObject({ reason: 'key_unreadable' });

    // Without its row the data key is still cached for this keyring…
    await t.db.workspaceDataKey.deleteMany({ where: { workspaceId: a.workspaceId } });
    expect(await decrypt(a.keyId)).toBe(a.plaintext);
    // …but a new keyring (a new process, a reloaded source) starts empty.
    const held = await keyring();
    setKeyring({ ...held, keys: new Map(held.keys) });
    await expect(decrypt(a.keyId)).rejects.toMatchObject({ reason: 'key_unreadable' });
  });

  it('keeps decrypting across a master-key rotation, and after rewrap without the old version', async () => {
    // Start from the keyring the other tests used (its k1), so every data key in this database is readable.
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
    const after = await storedKey('Rotate later'); // new workspaces get DEKs wrapped by k2
    expect((await t.db.workspaceDataKey.findFirstOrThrow({ where: { workspaceId: after.workspaceId } })).kekVersion).toBe('k2');

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
    const dek = await t.db.workspaceDataKey.findFirstOrThrow({ where: { workspaceId: a.workspaceId } });
    expect(dek.wrappedKey).toHaveLength(32);
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
});
