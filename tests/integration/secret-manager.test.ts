// The Google Secret Manager master key source, against a local fake of its REST API started here:
// configuration rules, version access, fail-closed errors, and rotation + rewrap across two versions.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toRestError } from '~/server/errors';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { masterKeyVersionsInUse, rewrapDataKeys } from '~/server/vault/envelope';
import {
  addSecretManagerVersion,
  disableUnusedSecretVersions,
  loadKeyring,
  MasterKeyUnavailable,
  masterKey,
  setKeyring,
} from '~/server/vault/keyring';
import { secretManagerConfig } from '~/server/vault/secret-manager';
import { canaryKey } from '../helpers/canary';
import { describeEachDb } from '../helpers/db';
import { type FakeSecretManager, startFakeSecretManager } from '../../fake-providers/secret-manager';
import { callerFor, proWorkspace } from '../helpers/fixtures';

let fake: FakeSecretManager;
beforeEach(async () => {
  fake = await startFakeSecretManager();
});
afterEach(async () => {
  setKeyring(undefined);
  await fake.close();
});

const envFor = (version?: string, extra: Record<string, string> = {}): Record<string, string | undefined> => ({
  MASTER_KEY_SECRET: fake.secret,
  SECRET_MANAGER_ENDPOINT: fake.url,
  SECRET_MANAGER_TIMEOUT_MS: '1000',
  ...(version !== undefined && { MASTER_KEY_SECRET_VERSION: version }),
  ...extra,
});

/** Everything an error carries that could reach a log or a response. */
const errorText = (e: unknown) => {
  const err = e as Error;
  return [err.message, err.stack, JSON.stringify(err), JSON.stringify(toRestError(err, 'ref').body)].join('\n');
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe('Secret Manager configuration', () => {
  const secret = 'projects/byok-prod/secrets/master-key';

  it('requires a pinned version number in production, never latest', () => {
    expect(() => secretManagerConfig({ MASTER_KEY_SECRET: secret }, 'production')).toThrow(/MASTER_KEY_SECRET_VERSION must pin/);
    expect(() => secretManagerConfig({ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: 'latest' }, 'production')).toThrow(/never "latest"/);
    expect(secretManagerConfig({ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '3' }, 'production')).toMatchObject({ secret, version: 3 });
    // Outside production an unpinned version follows `latest` (resolved once, at start).
    expect(secretManagerConfig({ MASTER_KEY_SECRET: secret }, 'local')).toMatchObject({ version: 'latest' });
  });

  it.each([
    [{ MASTER_KEY_SECRET: 'master-key' }, /projects\/<project>\/secrets\/<name>/],
    [{ MASTER_KEY_SECRET: `${secret}/versions/3` }, /projects\/<project>\/secrets\/<name>/],
    [{ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '0' }, /version number/],
    [{ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '2', SECRET_MANAGER_ENDPOINT: 'http://secretmanager.example.com' }, /loopback/],
    [{ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '2', SECRET_MANAGER_ENDPOINT: 'https://sm.example.com/v1' }, /without a path/],
    [{ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '2', SECRET_MANAGER_TIMEOUT_MS: '0' }, /TIMEOUT/],
  ])('refuses %o', (env, message) => {
    expect(() => secretManagerConfig(env, 'local')).toThrow(message);
  });

  it('refuses a plain-HTTP endpoint in production, even on loopback', () => {
    expect(() =>
      secretManagerConfig({ MASTER_KEY_SECRET: secret, MASTER_KEY_SECRET_VERSION: '2', SECRET_MANAGER_ENDPOINT: 'http://127.0.0.1:9' }, 'production'),
    ).toThrow(/loopback emulator outside production/);
  });

  it('refuses two master key sources at once', async () => {
    await expect(loadKeyring(envFor('1', { MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` }))).rejects.toThrow(/either MASTER_KEYS or MASTER_KEY_SECRET/);
  });
});

describe('Secret Manager source', () => {
  it('loads the pinned version, not the newest, without credentials on a loopback emulator', async () => {
    const keys = [randomBytes(32), randomBytes(32), randomBytes(32)];
    for (const k of keys) fake.seed(k);
    const ring = await loadKeyring(envFor('2'));
    expect(ring).toMatchObject({ source: 'secret-manager', primary: 'sm2' });
    expect(ring.keys.get('sm2')!.equals(keys[1]!)).toBe(true);
    expect([...ring.keys.keys()]).toEqual(['sm2']);
    expect(fake.requests).toEqual([{ method: 'GET', path: `/v1/${fake.secret}/versions/2:access`, authorization: false }]);
  });

  it('resolves latest to a version number outside production', async () => {
    fake.seed(randomBytes(32));
    fake.seed(randomBytes(32));
    expect((await loadKeyring(envFor(undefined))).primary).toBe('sm2');
  });

  it('fetches an older version once when stored data names it, and shares the read between callers', async () => {
    const [k1, k2] = [randomBytes(32), randomBytes(32)];
    fake.seed(k1);
    fake.seed(k2);
    const ring = await loadKeyring(envFor('2'));
    const got = await Promise.all(Array.from({ length: 5 }, () => masterKey(ring, 'sm1')));
    expect(got.every((k) => k!.equals(k1))).toBe(true);
    expect(await masterKey(ring, 'sm1')).toBe(got[0]);
    expect(fake.requests.filter((r) => r.path.endsWith('/versions/1:access'))).toHaveLength(1);
    // A version name from another source is not looked up.
    expect(await masterKey(ring, 'k1')).toBeUndefined();
  });

  it.each([
    ['permission denied', 'permission_denied', (f: FakeSecretManager) => f.denied.add('all')],
    ['a version that does not exist', 'not_found', (f: FakeSecretManager) => f.versions.delete(1)],
    ['a disabled version', 'disabled', (f: FakeSecretManager) => (f.versions.get(1)!.state = 'DISABLED')],
    ['a payload that is not 32 bytes', 'malformed', (f: FakeSecretManager) => f.versions.set(1, { data: randomBytes(31), state: 'ENABLED' })],
    ['a payload whose checksum does not match', 'malformed', (f: FakeSecretManager) => (f.versions.get(1)!.data = randomBytes(32))],
  ])('fails closed on %s with a 503 that carries no key material', async (_name, kind, breakIt) => {
    const secretKey = randomBytes(32);
    fake.seed(secretKey);
    breakIt(fake);
    const e = await rejection(loadKeyring(envFor('1')));
    expect(e).toBeInstanceOf(MasterKeyUnavailable);
    expect(e).toMatchObject({ kind, version: '1' });
    expect(toRestError(e, 'ref')).toEqual({
      status: 503,
      body: { error: { code: 'master_key_unavailable', message: expect.stringMatching(/encryption key service is unavailable/) } },
    });
    const text = errorText(e);
    for (const form of [secretKey.toString('base64'), secretKey.toString('hex'), secretKey.toString('base64').slice(4, 16)]) {
      expect(text).not.toContain(form);
    }
  });

  it('gives up after its timeout when the service does not answer', async () => {
    fake.seed(randomBytes(32));
    fake.hang = true;
    const started = Date.now();
    const e = await rejection(loadKeyring(envFor('1', { SECRET_MANAGER_TIMEOUT_MS: '200' })));
    expect(e).toMatchObject({ kind: 'timeout', code: 'SERVICE_UNAVAILABLE' });
    // Bounded: well before the client library's own 60 s default (a loose bound, not a timing test).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fake.requests).toHaveLength(1); // no retries
  });

  it('does not fall back to the local key file when Secret Manager refuses', async () => {
    const dir = join(process.env.DATA_DIR!, 'fallback-check');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'master-keys.json'), JSON.stringify({ primary: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
    fake.seed(randomBytes(32));
    fake.denied.add('all');
    await expect(loadKeyring(envFor('1', { DATA_DIR: dir }))).rejects.toBeInstanceOf(MasterKeyUnavailable);
  });
});

await describeEachDb('Secret Manager rotation', (getDb) => {
  const t = { get db() { return getDb().db; } };
  // Each test starts its own fake; this suite keeps one secret across its steps.
  let rotationFake: FakeSecretManager;
  beforeAll(async () => {
    rotationFake = await startFakeSecretManager('byok-rotation', `master-key-${randomBytes(4).toString('hex')}`);
    rotationFake.seed(randomBytes(32));
  });
  afterAll(() => rotationFake.close());
  const env = (version: string) => ({
    MASTER_KEY_SECRET: rotationFake.secret,
    MASTER_KEY_SECRET_VERSION: version,
    SECRET_MANAGER_ENDPOINT: rotationFake.url,
  });

  async function storedKey(name: string) {
    const w = await proWorkspace(t.db, name);
    const k = canaryKey('sk-proj-');
    const { key } = await callerFor(t.db, w.owner).keys.create({ workspaceId: w.workspaceId, provider: 'openai', label: 'primary', apiKey: k });
    return { ...w, keyId: key.id, plaintext: k };
  }
  const decrypt = (x: Awaited<ReturnType<typeof storedKey>>) =>
    decryptProviderKey(t.db, { workspaceId: x.workspaceId, keyId: x.keyId, actorId: x.owner.id });
  const kekOf = async (keyId: string) => (await t.db.providerKey.findUniqueOrThrow({ where: { id: keyId } })).kekVersion;

  it('rotates by adding a version, keeps old data readable, fails closed while the old version is refused, then rewraps and disables it', async () => {
    setKeyring(await loadKeyring(env('1')));
    const before = await storedKey('SM before rotation');
    expect(await kekOf(before.keyId)).toBe('sm1');

    // Rotation: a new secret version, then the app pinned to it.
    expect(await addSecretManagerVersion(env('1'))).toBe(2);
    expect(rotationFake.versions.get(2)!.data).toHaveLength(32);
    setKeyring(await loadKeyring(env('2')));
    const after = await storedKey('SM after rotation');
    expect(await kekOf(after.keyId)).toBe('sm2');

    // Version 1 is refused: decrypting a key under it fails closed with a 503, and the stored key is
    // not marked for re-entry (the key is fine; the key service is not).
    setKeyring(await loadKeyring(env('2')));
    rotationFake.denied.add(1);
    const refused = await rejection(decrypt(before));
    expect(refused).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'master_key_unavailable', kind: 'permission_denied' });
    await expect(callerFor(t.db, before.owner).keys.verify({ workspaceId: before.workspaceId, keyId: before.keyId })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: before.keyId } })).status).toBe('active');
    expect(await t.db.auditEvent.count({ where: { keyId: before.keyId, operation: 'key.decrypt_failed' } })).toBe(0);
    // …and a rewrap stops rather than counting those data keys as unreadable.
    await expect(rewrapDataKeys(t.db)).rejects.toBeInstanceOf(MasterKeyUnavailable);

    // Access restored: old data decrypts through version 1 until the rewrap.
    rotationFake.denied.clear();
    expect(await decrypt(before)).toBe(before.plaintext);
    const r = await rewrapDataKeys(t.db);
    expect(r).toMatchObject({ unreadable: 0, remaining: 0 });
    expect(r.rewrapped).toBeGreaterThanOrEqual(1);
    expect(await masterKeyVersionsInUse(t.db)).toEqual(new Set(['sm2']));

    // Retire: version 1 is disabled in Secret Manager; version 2 (pinned) stays enabled.
    expect(await disableUnusedSecretVersions(await masterKeyVersionsInUse(t.db), env('2'))).toEqual([1]);
    expect(rotationFake.versions.get(1)!.state).toBe('DISABLED');
    expect(rotationFake.versions.get(2)!.state).toBe('ENABLED');

    // A fresh process pinned to version 2 reads everything without touching version 1.
    rotationFake.requests.length = 0;
    setKeyring(await loadKeyring(env('2')));
    for (const x of [before, after]) expect(await decrypt(x)).toBe(x.plaintext);
    expect(rotationFake.requests.map((q) => q.path)).toEqual([`/v1/${rotationFake.secret}/versions/2:access`]);
  });

  it('never disables a version newer than the pinned one', async () => {
    const newer = await addSecretManagerVersion(env('2'));
    expect(await disableUnusedSecretVersions(new Set(['sm2']), env('2'))).toEqual([]);
    expect(rotationFake.versions.get(newer)!.state).toBe('ENABLED');
  });
});
