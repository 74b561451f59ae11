// The workspace AI config (seed 001, PRODUCT.md M5) against the security review (issue 15, item 15) and
// the seed read to the letter (issue 21, items 1–3): a key it removes is removed as Remove does, every PUT
// is one write, and GET reads what is stored.
import { afterEach, expect, it } from 'vitest';
import { restEndpoints } from '~/server/rest/endpoints';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { canaryKey } from '../helpers/canary';
import { describeEachDb } from '../helpers/db';
import { callerFor, proWorkspace } from '../helpers/fixtures';

const mask = (k: string) => `${k.slice(0, 4)}…${k.slice(-4)}`;

async function errorOf(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code: string; message: string },
  );
}

await describeEachDb('workspace AI config', (getDb) => {
  const db = () => getDb().db;
  const api = restEndpoints(() => getDb().db);

  async function rest(token: string, workspaceId: string, body: unknown) {
    const res = await api.putAiConfig(
      new Request('http://app.test/api/x', { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      { workspaceId },
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  afterEach(async () => {
    await db().$executeRawUnsafe('DROP TRIGGER IF EXISTS refuse_tier_write ON tier_default');
  });

  it('api_key null reverts the other tiers that used the key, as Remove does, says which, and names the token in the audit row', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'Null key');
    const c = callerFor(db(), owner);
    const { token, info } = await c.account.createToken({ name: 'script' });
    const k = canaryKey('sk-proj-');
    expect((await rest(token, workspaceId, { mode: 'byok', provider: 'openai', api_key: k, model: 'gpt-4.1-mini' })).status).toBe(200);
    const [key] = await c.keys.list({ workspaceId });
    // The owner also uses the key for Fast, in the app.
    await c.models.setTier({ workspaceId, tier: 'fast', choice: { source: 'byok', keyId: key!.id, modelId: 'gpt-4.1-nano' } });

    const cleared = await rest(token, workspaceId, { mode: 'byok', provider: 'openai', api_key: null });
    expect(cleared).toEqual({
      status: 200,
      json: {
        mode: 'byok', provider: 'openai', model: 'gpt-4.1-mini', has_api_key: false, api_key_hint: null, reverted_tiers: ['fast'],
        removed_key: { provider: 'openai', label: 'primary', api_key_hint: mask(k) },
      },
    });
    const tiers = (await c.models.tiers({ workspaceId })).tiers;
    expect(tiers.find((t) => t.tier === 'fast')).toMatchObject({ isPlatformDefault: true, broken: null });
    expect(tiers.find((t) => t.tier === 'standard')).toMatchObject({ provider: 'openai', modelId: 'gpt-4.1-mini', broken: 'key_missing' });
    const audit = await db().auditEvent.findMany({ where: { workspaceId, operation: 'key.remove' }, select: { actorId: true, actorToken: true } });
    expect(audit).toEqual([{ actorId: owner.id, actorToken: info.prefix }]);
    expect((await c.keys.audit({ workspaceId })).find((a) => a.operation === 'key.remove')).toMatchObject({ actorToken: info.prefix });
  });

  it('managed removes the key the config was using, whatever its provider, reverting its other tiers (seed 001 example)', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'To managed');
    const c = callerFor(db(), owner);
    const openaiKey = canaryKey('sk-proj-');
    await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: openaiKey, model: 'gpt-4o' });
    const anthropicKey = canaryKey('sk-ant-api03-');
    await c.keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey: anthropicKey });
    const [openai] = (await c.keys.list({ workspaceId })).filter((x) => x.provider === 'openai');
    await c.models.setTier({ workspaceId, tier: 'premium', choice: { source: 'byok', keyId: openai!.id, modelId: 'gpt-4.1' } });

    const managed = await c.models.setAiConfig({ workspaceId, mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514' });
    expect(managed).toEqual({
      mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514', hasApiKey: false, apiKeyHint: null,
      revertedTiers: ['premium'], removedKey: { provider: 'openai', label: 'primary', apiKeyHint: mask(openaiKey) },
    });
    // The OpenAI key the config used is gone; the Anthropic key it did not use stays.
    expect((await c.keys.list({ workspaceId })).map((x) => x.provider)).toEqual(['anthropic']);
    expect((await c.models.tiers({ workspaceId })).tiers.find((t) => t.tier === 'premium')).toMatchObject({ isPlatformDefault: true });
    // Managed with no key in use removes nothing.
    expect(await c.models.setAiConfig({ workspaceId, mode: 'managed', provider: 'openai' })).toMatchObject({ revertedTiers: [], removedKey: null });
    expect(await c.keys.list({ workspaceId })).toHaveLength(1);
  });

  it('stores the key and points Standard at it in one write: when the tier write fails, no key is left behind', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'One write');
    const c = callerFor(db(), owner);
    // A trigger makes any write of the Standard tier fail, after the probe has passed.
    await db().$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_tier_write() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'tier write refused'; END $$ LANGUAGE plpgsql`);
    await db().$executeRawUnsafe(`CREATE TRIGGER refuse_tier_write BEFORE INSERT OR UPDATE ON tier_default FOR EACH ROW EXECUTE FUNCTION refuse_tier_write()`);

    const first = canaryKey('sk-proj-');
    expect((await errorOf(c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: first, model: 'gpt-4o' }))).code).toBe('INTERNAL_SERVER_ERROR');
    expect(await c.keys.list({ workspaceId })).toHaveLength(0);
    expect(await db().auditEvent.count({ where: { workspaceId, operation: 'key.create', outcome: 'valid' } })).toBe(0);

    // The replace path too: the stored key stays the old one when the tier write fails.
    await db().$executeRawUnsafe('DROP TRIGGER refuse_tier_write ON tier_default');
    await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: first, model: 'gpt-4o' });
    await db().$executeRawUnsafe(`CREATE TRIGGER refuse_tier_write BEFORE INSERT OR UPDATE ON tier_default FOR EACH ROW EXECUTE FUNCTION refuse_tier_write()`);
    const second = canaryKey('sk-proj-');
    await errorOf(c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: second, model: 'gpt-4.1' }));
    const [stored] = await c.keys.list({ workspaceId });
    expect(stored!.maskedHint).toBe(mask(first));
    expect(await decryptProviderKey(db(), { workspaceId, keyId: stored!.id, actorId: owner.id })).toBe(first);
    expect(await c.models.aiConfig({ workspaceId })).toMatchObject({ model: 'gpt-4o', apiKeyHint: mask(first) });
  });

  it('reads what is stored: after api_key null, a primary key added in the app serves Standard again', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'Reads stored');
    const c = callerFor(db(), owner);
    await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: canaryKey('sk-proj-'), model: 'gpt-4.1-mini' });
    await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: null });
    expect(await c.models.aiConfig({ workspaceId })).toEqual({ mode: 'byok', provider: 'openai', model: 'gpt-4.1-mini', hasApiKey: false, apiKeyHint: null });

    // A key with another label does not count; a primary key does.
    await c.keys.create({ workspaceId, provider: 'openai', label: 'batch', apiKey: canaryKey('sk-proj-') });
    expect(await c.models.aiConfig({ workspaceId })).toMatchObject({ hasApiKey: false });
    const k = canaryKey('sk-proj-');
    const added = (await c.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k })).key;
    expect(await c.models.aiConfig({ workspaceId })).toEqual({ mode: 'byok', provider: 'openai', model: 'gpt-4.1-mini', hasApiKey: true, apiKeyHint: mask(k) });
    expect((await c.models.tiers({ workspaceId })).tiers.find((t) => t.tier === 'standard')).toMatchObject({
      choice: { source: 'byok', keyId: added.id, modelId: 'gpt-4.1-mini' }, broken: null,
    });

    // Managed: no key in use, whatever keys the workspace holds.
    await c.models.setAiConfig({ workspaceId, mode: 'managed', provider: 'openai', model: 'gpt-4.1' });
    await c.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey('sk-proj-') });
    expect(await c.models.aiConfig({ workspaceId })).toEqual({ mode: 'managed', provider: 'openai', model: 'gpt-4.1', hasApiKey: false, apiKeyHint: null });
  });
});
