import { expect, it } from 'vitest';
import { PROVIDER_IDS, type ProviderId } from '~/lib/providers';
import { PROBES_PER_MINUTE } from '~/server/services/probe-limit';
import { setPlan } from '~/server/services/workspaces';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { describeEachDb } from '../helpers/db';
import { canaryKey, findCanary } from '../helpers/canary';
import { callsWithKey, revokeAtProvider } from '../helpers/fake-providers';
import { callerFor, createUser, dumpDatabaseText, proWorkspace } from '../helpers/fixtures';

const PREFIX: Record<ProviderId, string> = { anthropic: 'sk-ant-api03-', openai: 'sk-proj-', google: 'AQ.', xai: 'xai-', mistral: 'M' };
const keyFor = (p: ProviderId, scenario = '') => canaryKey(PREFIX[p]) + (scenario ? `-${scenario}` : '');

async function errorOf(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code: string; message: string; cause?: { reason?: string; details?: Record<string, unknown> } },
  );
}

await describeEachDb('keys', (getDb) => {
  const t = { get db() { return getDb().db; } };
  const counts = async (workspaceId: string) => ({
    keys: await t.db.providerKey.count({ where: { workspaceId } }),
    audit: await t.db.auditEvent.count({ where: { workspaceId } }),
    probes: (await t.db.rateLimiterFlexible.findUnique({ where: { key: `probe:ws:${workspaceId}` } }))?.points ?? 0,
  });

  it('refuses a Free workspace with 403 before any probe, crypto or database write', async () => {
    const u = await createUser(t.db, 'Free Owner');
    const k = keyFor('openai');
    const before = await counts(u.workspace.id);
    const err = await errorOf(callerFor(t.db, u).keys.create({ workspaceId: u.workspace.id, provider: 'openai', label: 'primary', apiKey: k }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/Pro, Ultra, Enterprise/);
    expect(await callsWithKey(k)).toHaveLength(0);
    expect(await counts(u.workspace.id)).toEqual(before);
    expect(before).toEqual({ keys: 0, audit: 0, probes: 0 });
  });

  it('refuses members (FORBIDDEN) and outsiders (NOT_FOUND) without probing', async () => {
    const { member, workspaceId } = await proWorkspace(t.db, 'Roles');
    const outsider = await createUser(t.db, 'Outsider');
    const k = keyFor('anthropic');
    const input = { workspaceId, provider: 'anthropic' as const, label: 'primary', apiKey: k };
    expect((await errorOf(callerFor(t.db, member).keys.create(input))).code).toBe('FORBIDDEN');
    expect((await errorOf(callerFor(t.db, outsider).keys.create(input))).code).toBe('NOT_FOUND');
    expect((await errorOf(callerFor(t.db, null).keys.create(input))).code).toBe('UNAUTHORIZED');
    expect(await callsWithKey(k)).toHaveLength(0);
    expect((await counts(workspaceId)).keys).toBe(0);
  });

  it.each(PROVIDER_IDS)('stores a working %s key encrypted, masked, with its models and an audit row', async (provider) => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, `Add ${provider}`);
    const k = keyFor(provider);
    const res = await callerFor(t.db, owner).keys.create({ workspaceId, provider, label: 'primary', apiKey: `  ${k}\n` });
    expect(res.key).toMatchObject({ provider, label: 'primary', status: 'active', lastOutcome: 'valid', maskedHint: `${k.slice(0, 4)}…${k.slice(-4)}` });
    expect(res.key.modelCount).toBeGreaterThan(0);

    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: res.key.id } });
    expect(Buffer.from(row.ciphertext).toString('latin1')).not.toContain(k.slice(-12));
    expect(row.nonce).toHaveLength(12);
    expect(row.tag).toHaveLength(16);
    const audit = await t.db.auditEvent.findMany({ where: { workspaceId } });
    expect(audit.map((a) => [a.operation, a.provider, a.label, a.outcome])).toEqual([['key.create', provider, 'primary', 'valid']]);

    // Members see the masked table.
    const listed = await callerFor(t.db, member).keys.list({ workspaceId });
    expect(listed).toEqual([expect.objectContaining({ id: res.key.id, maskedHint: res.key.maskedHint })]);
    // The key travelled only in a header, to its own provider.
    const calls = await callsWithKey(k);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.provider === provider && !c.keyInUrl && c.authHeader)).toBe(true);
    // Nothing the app emitted or stored outside the ciphertext holds the key.
    expect(findCanary(JSON.stringify([res, listed]), k)).toBeNull();
    expect(findCanary(await dumpDatabaseText(t.db), k)).toBeNull();
  });

  it.each([
    ['invalid', 'UNPROCESSABLE_CONTENT', 'invalid_key'],
    ['noperm', 'UNPROCESSABLE_CONTENT', 'permission_denied'],
    ['nocredit', 'UNPROCESSABLE_CONTENT', 'no_credit'],
    ['echo', 'UNPROCESSABLE_CONTENT', 'invalid_key'],
    ['ratelimit', 'SERVICE_UNAVAILABLE', 'rate_limited'],
    ['down', 'SERVICE_UNAVAILABLE', 'provider_unavailable'],
  ] as const)('stores nothing for a "%s" key and says why (%s %s)', async (scenario, code, reason) => {
    const { owner, workspaceId } = await proWorkspace(t.db, `Fail ${scenario}`);
    for (const provider of PROVIDER_IDS) {
      const k = keyFor(provider, scenario);
      const err = await errorOf(callerFor(t.db, owner).keys.create({ workspaceId, provider, label: 'primary', apiKey: k }));
      expect(err.code).toBe(code);
      expect(err.cause?.reason).toBe(reason);
      expect(findCanary(JSON.stringify({ m: err.message, d: err.cause?.details }), k)).toBeNull();
    }
    expect((await counts(workspaceId)).keys).toBe(0);
    const audit = await t.db.auditEvent.findMany({ where: { workspaceId } });
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set([reason]));
  });

  it('rejects malformed keys and masks before any probe', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Malformed');
    for (const apiKey of ['sk-has space', 'sk-a…bCdE', 'Bearer sk-abcdefghijklmnop', 'https://evil.test/?k=1', 'sk-ant-oat01-abcdefghijklmnop']) {
      const err = await errorOf(callerFor(t.db, owner).keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).not.toContain(apiKey);
    }
    expect(await counts(workspaceId)).toEqual({ keys: 0, audit: 0, probes: 0 });
  });

  it('refuses a duplicate label per provider with a clear message and no probe', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Dupes');
    const caller = callerFor(t.db, owner);
    await caller.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: keyFor('openai') });
    const k2 = keyFor('openai');
    const err = await errorOf(caller.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k2 }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/already has a key labelled "primary"/);
    expect(await callsWithKey(k2)).toHaveLength(0);
    // The same label under another provider, and another label under the same provider, are fine.
    await caller.keys.create({ workspaceId, provider: 'mistral', label: 'primary', apiKey: keyFor('mistral') });
    await caller.keys.create({ workspaceId, provider: 'openai', label: 'batch jobs', apiKey: keyFor('openai') });
    expect(await caller.keys.list({ workspaceId })).toHaveLength(3);
  });

  it(`limits probes to ${PROBES_PER_MINUTE} a minute per workspace`, async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Limit');
    const caller = callerFor(t.db, owner);
    for (let i = 0; i < PROBES_PER_MINUTE; i++) {
      await errorOf(caller.keys.create({ workspaceId, provider: 'xai', label: `l${i}`, apiKey: keyFor('xai', 'invalid') }));
    }
    const k = keyFor('xai');
    const err = await errorOf(caller.keys.create({ workspaceId, provider: 'xai', label: 'one-more', apiKey: k }));
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(await callsWithKey(k)).toHaveLength(0);
  });

  it('verifies a key, and marks it failing once the provider rejects it', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Verify');
    const caller = callerFor(t.db, owner);
    const k = keyFor('google');
    const { key } = await caller.keys.create({ workspaceId, provider: 'google', label: 'primary', apiKey: k });
    expect((await caller.keys.verify({ workspaceId, keyId: key.id })).outcome).toBe('valid');
    await revokeAtProvider(k);
    const v = await caller.keys.verify({ workspaceId, keyId: key.id });
    expect(v).toMatchObject({ outcome: 'invalid_key', key: { status: 'failing', lastOutcome: 'invalid_key' } });
    expect(v.message).toMatch(/rejected this key/);
    expect(findCanary(JSON.stringify(v), k)).toBeNull();
    const ops = (await t.db.auditEvent.findMany({ where: { workspaceId }, orderBy: { createdAt: 'asc' } })).map((a) => `${a.operation}:${a.outcome}`);
    expect(ops).toEqual(['key.create:valid', 'key.verify:valid', 'key.verify:invalid_key']);
  });

  it('replaces a key under its label atomically, re-encrypting with a fresh nonce', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Replace');
    const caller = callerFor(t.db, owner);
    const first = keyFor('anthropic');
    const { key } = await caller.keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey: first });
    const before = await t.db.providerKey.findUniqueOrThrow({ where: { id: key.id } });

    const bad = keyFor('anthropic', 'nocredit');
    expect((await errorOf(caller.keys.replace({ workspaceId, keyId: key.id, apiKey: bad }))).code).toBe('UNPROCESSABLE_CONTENT');
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: key.id } })).ciphertext).toEqual(before.ciphertext);

    const second = keyFor('anthropic');
    const r = await caller.keys.replace({ workspaceId, keyId: key.id, apiKey: second });
    expect(r.key).toMatchObject({ id: key.id, label: 'primary', maskedHint: `${second.slice(0, 4)}…${second.slice(-4)}` });
    const after = await t.db.providerKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(Buffer.from(after.nonce).equals(Buffer.from(before.nonce))).toBe(false);
    expect(await t.db.providerKey.count({ where: { workspaceId } })).toBe(1);
  });

  it('removes a key and its ciphertext at once; other workspaces cannot touch it', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Remove');
    const other = await proWorkspace(t.db, 'Other');
    const caller = callerFor(t.db, owner);
    const k = keyFor('mistral');
    const { key } = await caller.keys.create({ workspaceId, provider: 'mistral', label: 'primary', apiKey: k });
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: key.id } });

    expect((await errorOf(callerFor(t.db, member).keys.remove({ workspaceId, keyId: key.id }))).code).toBe('FORBIDDEN');
    expect((await errorOf(callerFor(t.db, other.owner).keys.remove({ workspaceId: other.workspaceId, keyId: key.id }))).code).toBe('NOT_FOUND');
    expect((await errorOf(callerFor(t.db, other.owner).keys.verify({ workspaceId: other.workspaceId, keyId: key.id }))).code).toBe('NOT_FOUND');
    expect(await t.db.providerKey.count({ where: { id: key.id } })).toBe(1);

    expect(await caller.keys.remove({ workspaceId, keyId: key.id })).toEqual({ ok: true, revertedTiers: [] });
    expect(await t.db.providerKey.count({ where: { id: key.id } })).toBe(0);
    expect(await t.db.discoveredModel.count({ where: { keyId: key.id } })).toBe(0);
    const dump = await dumpDatabaseText(t.db);
    expect(dump).not.toContain(Buffer.from(row.nonce).toString('hex'));
    const audit = await caller.keys.audit({ workspaceId });
    expect(audit.map((a) => a.operation)).toEqual(['key.remove', 'key.create']);
    expect((await errorOf(caller.keys.remove({ workspaceId, keyId: key.id }))).code).toBe('NOT_FOUND');
  });

  it('shows the audit log to owners only', async () => {
    const { member, workspaceId } = await proWorkspace(t.db, 'Audit');
    expect((await errorOf(callerFor(t.db, member).keys.audit({ workspaceId }))).code).toBe('FORBIDDEN');
  });

  // Between the gates and the write the probe takes seconds; the write checks again. The hook runs
  // while the probe slot is taken, after the first checks passed.
  const duringProbe = (run: () => Promise<unknown>) =>
    t.db.$extends({ query: { rateLimiterFlexible: { upsert: async ({ args, query }) => { await run(); return query(args); } } } }) as unknown as typeof t.db;

  it('writes nothing when the workspace leaves its BYOK plan while the probe runs', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Downgraded mid-probe');
    const slug = (await t.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } })).slug;
    const db = duringProbe(() => setPlan(t.db, { slug, plan: 'free' }));
    const err = await errorOf(callerFor(db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: keyFor('openai') }));
    expect([err.code, err.cause?.reason]).toEqual(['FORBIDDEN', 'plan_required']);
    expect(await counts(workspaceId)).toMatchObject({ keys: 0, audit: 0 });
  });

  it('refuses a label another add took while the probe ran, keeping the first key', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Label race');
    const first = keyFor('openai');
    const db = duringProbe(() => callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: first }));
    const err = await errorOf(callerFor(db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: keyFor('openai') }));
    expect([err.code, err.cause?.reason]).toEqual(['CONFLICT', 'label_taken']);
    const keys = await t.db.providerKey.findMany({ where: { workspaceId }, select: { id: true } });
    expect(keys).toHaveLength(1);
    expect(await decryptProviderKey(t.db, { workspaceId, keyId: keys[0]!.id, actorId: owner.id })).toBe(first);
  });

  // The key (with its own wrapped data key), models and audit row are written by one statement: a
  // failure of any part, raised by the database itself, leaves none of them.
  it.each([
    ['the key row', 'provider_key', false],
    ['the key row next to another key', 'provider_key', true],
    ['the discovered models', 'discovered_model', false],
    ['the audit row', 'audit_event', false],
  ] as const)('leaves no partial rows when writing %s fails after a successful probe', async (_what, table, secondKey) => {
    const { owner, workspaceId } = await proWorkspace(t.db, `Crash ${table} ${secondKey}`);
    if (secondKey) await callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'first', apiKey: keyFor('openai') });
    const before = await counts(workspaceId);
    const models = await t.db.discoveredModel.count({ where: { key: { workspaceId } } });
    await t.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql`);
    await t.db.$executeRawUnsafe(`CREATE TRIGGER test_disk_full BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION test_disk_full()`);
    const k = keyFor('openai');
    try {
      const err = await errorOf(callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k }));
      expect(err.code).toBe('INTERNAL_SERVER_ERROR');
      expect(findCanary(JSON.stringify(err), k)).toBeNull();
    } finally {
      await t.db.$executeRawUnsafe(`DROP TRIGGER test_disk_full ON ${table}`);
    }
    expect((await callsWithKey(k)).length).toBeGreaterThan(0); // the probe ran
    expect(await counts(workspaceId)).toEqual({ ...before, probes: before.probes + 1 });
    expect(await t.db.discoveredModel.count({ where: { key: { workspaceId } } })).toBe(models);
  });
});
