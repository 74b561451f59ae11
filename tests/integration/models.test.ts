import { expect, it } from 'vitest';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { describeEachDb } from '../helpers/db';
import { canaryKey, findCanary } from '../helpers/canary';
import { callerFor, createUser, dumpDatabaseText, proWorkspace, setWorkspacePlan } from '../helpers/fixtures';

async function errorOf(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code: string; message: string; cause?: { reason?: string } },
  );
}

await describeEachDb('models, tiers and AI config', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('starts every tier on its platform default with fallback allowed', async () => {
    const u = await createUser(t.db, 'Tiers');
    const { tiers, fallbackPolicy } = await callerFor(t.db, u).models.tiers({ workspaceId: u.workspace.id });
    expect(fallbackPolicy).toBe('always');
    expect(tiers.map((x) => [x.tier, x.isPlatformDefault, x.modelId])).toEqual([
      ['fast', true, 'gemini-2.5-flash-lite'],
      ['standard', true, 'claude-sonnet-4-20250514'],
      ['premium', true, 'gpt-4.1'],
    ]);
  });

  it("lists a key's models under My models and lets the owner pick one for a tier", async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Picker');
    const caller = callerFor(t.db, owner);
    const { key } = await caller.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() });
    const catalog = await callerFor(t.db, member).models.catalog({ workspaceId });
    const mine = catalog.myModels.find((g) => g.keyId === key.id)!;
    expect(mine).toMatchObject({ provider: 'openai', label: 'primary', maskedHint: key.maskedHint });
    expect(mine.models.map((m) => m.modelId)).toContain('gpt-4.1-mini');
    expect(catalog.platformModels.length).toBeGreaterThan(5);
    expect(catalog.platformModels.every((m) => m.creditsPer1kOutput > 0)).toBe(true);

    const choice = { source: 'byok' as const, keyId: key.id, modelId: 'gpt-4.1-mini' };
    expect((await errorOf(callerFor(t.db, member).models.setTier({ workspaceId, tier: 'standard', choice }))).code).toBe('FORBIDDEN');
    const set = await caller.models.setTier({ workspaceId, tier: 'standard', choice });
    expect(set).toMatchObject({ tier: 'standard', isPlatformDefault: false, modelId: 'gpt-4.1-mini', keyLabel: 'primary', broken: null });
    expect((await caller.models.tiers({ workspaceId })).tiers[1]).toMatchObject({ choice });

    // A model the key does not offer, another workspace's key, and an unknown platform model are refused.
    expect((await errorOf(caller.models.setTier({ workspaceId, tier: 'fast', choice: { ...choice, modelId: 'gpt-9' } }))).code).toBe('BAD_REQUEST');
    const other = await proWorkspace(t.db, 'Other picker');
    const otherKey = await callerFor(t.db, other.owner).keys.create({ workspaceId: other.workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() });
    expect((await errorOf(caller.models.setTier({ workspaceId, tier: 'fast', choice: { ...choice, keyId: otherKey.key.id } }))).code).toBe('NOT_FOUND');
    expect((await errorOf(caller.models.setTier({ workspaceId, tier: 'fast', choice: { source: 'platform', platformModelId: 'nope:nope' } }))).code).toBe('BAD_REQUEST');
  });

  it('reverts the tiers that used a removed key to their platform defaults, and says which first', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Fallback');
    const caller = callerFor(t.db, owner);
    const { key } = await caller.keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey: canaryKey('sk-ant-api03-') });
    const choice = { source: 'byok' as const, keyId: key.id, modelId: 'claude-haiku-4-5-20251001' };
    await caller.models.setTier({ workspaceId, tier: 'fast', choice });
    await caller.models.setTier({ workspaceId, tier: 'premium', choice: { ...choice, modelId: 'claude-opus-4-1-20250805' } });
    expect(await caller.keys.removalImpact({ workspaceId, keyId: key.id })).toEqual({ tiers: ['fast', 'premium'] });
    expect(await caller.keys.remove({ workspaceId, keyId: key.id })).toEqual({ ok: true, revertedTiers: ['fast', 'premium'] });
    const { tiers } = await caller.models.tiers({ workspaceId });
    expect(tiers.map((x) => x.isPlatformDefault)).toEqual([true, true, true]);
  });

  it('shows a default whose model disappeared from its key as broken', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Broken');
    const caller = callerFor(t.db, owner);
    const { key } = await caller.keys.create({ workspaceId, provider: 'mistral', label: 'primary', apiKey: canaryKey('M') });
    await caller.models.setTier({ workspaceId, tier: 'fast', choice: { source: 'byok', keyId: key.id, modelId: 'ministral-8b-latest' } });
    await t.db.discoveredModel.update({ where: { keyId_modelId: { keyId: key.id, modelId: 'ministral-8b-latest' } }, data: { available: false } });
    expect((await caller.models.tiers({ workspaceId })).tiers[0]).toMatchObject({ broken: 'model_unavailable' });
    // Verifying refreshes the list from the provider: the model is back.
    await caller.keys.verify({ workspaceId, keyId: key.id });
    expect((await caller.models.tiers({ workspaceId })).tiers[0]).toMatchObject({ broken: null });
  });

  it('lets owners switch the fallback policy', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Policy');
    expect((await errorOf(callerFor(t.db, member).models.setFallbackPolicy({ workspaceId, fallbackPolicy: 'never' }))).code).toBe('FORBIDDEN');
    await callerFor(t.db, owner).models.setFallbackPolicy({ workspaceId, fallbackPolicy: 'never' });
    expect((await callerFor(t.db, member).models.tiers({ workspaceId })).fallbackPolicy).toBe('never');
  });

  it('follows every AI config transition of seed 001', async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'AI config');
    const c = callerFor(t.db, owner);
    expect(await c.models.aiConfig({ workspaceId })).toMatchObject({ mode: 'managed', provider: 'anthropic', hasApiKey: false });

    // byok with an OpenAI key
    const openaiKey = canaryKey('sk-proj-');
    const byok = await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: openaiKey, model: 'gpt-4o' });
    expect(byok).toEqual({
      mode: 'byok', provider: 'openai', model: 'gpt-4o', hasApiKey: true, apiKeyHint: `${openaiKey.slice(0, 4)}…${openaiKey.slice(-4)}`, revertedTiers: [], removedKey: null,
    });
    const keys = await c.keys.list({ workspaceId });
    expect(keys.map((k) => [k.provider, k.label])).toEqual([['openai', 'primary']]);
    expect((await c.models.tiers({ workspaceId })).tiers[1]).toMatchObject({ choice: { source: 'byok', modelId: 'gpt-4o' } });

    // api_key: null clears the key without changing the mode
    const cleared = await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: null });
    expect(cleared).toEqual({
      mode: 'byok', provider: 'openai', model: 'gpt-4o', hasApiKey: false, apiKeyHint: null, revertedTiers: [],
      removedKey: { provider: 'openai', label: 'primary', apiKeyHint: `${openaiKey.slice(0, 4)}…${openaiKey.slice(-4)}` },
    });
    expect(await c.keys.list({ workspaceId })).toHaveLength(0);
    expect((await c.models.tiers({ workspaceId })).tiers[1]).toMatchObject({ broken: 'key_missing' });

    // provider change, with the seed's google/ prefix on the model
    const googleKey = canaryKey('AIza');
    expect(await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'google', apiKey: googleKey, model: 'google/gemini-2.5-pro' })).toMatchObject({
      mode: 'byok', provider: 'google', model: 'gemini-2.5-pro', hasApiKey: true,
    });
    const anthropicKey = canaryKey('sk-ant-api03-');
    expect(await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'anthropic', apiKey: anthropicKey, model: 'claude-sonnet-4-20250514' })).toMatchObject({
      provider: 'anthropic', hasApiKey: true,
    });

    // clearing another provider's key leaves Standard (now Anthropic) as it is
    await c.keys.create({ workspaceId, provider: 'xai', label: 'primary', apiKey: canaryKey('xai-') });
    expect(await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'xai', apiKey: null })).toMatchObject({ provider: 'anthropic', hasApiKey: true });
    expect((await c.keys.list({ workspaceId })).map((k) => k.provider).sort()).toEqual(['anthropic', 'google']);

    // back to managed: the stored primary key goes, Standard points at the platform model
    const managed = await c.models.setAiConfig({ workspaceId, mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514' });
    expect(managed).toEqual({
      mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514', hasApiKey: false, apiKeyHint: null, revertedTiers: [],
      removedKey: { provider: 'anthropic', label: 'primary', apiKeyHint: `${anthropicKey.slice(0, 4)}…${anthropicKey.slice(-4)}` },
    });
    expect((await c.keys.list({ workspaceId })).map((k) => k.provider)).toEqual(['google']);

    for (const k of [openaiKey, googleKey, anthropicKey]) expect(findCanary(await dumpDatabaseText(t.db), k)).toBeNull();
  });

  it('refuses bad AI config changes and changes nothing', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'AI config errors');
    const c = callerFor(t.db, owner);
    const before = await c.models.aiConfig({ workspaceId });
    const k = canaryKey('sk-proj-');
    expect((await errorOf(callerFor(t.db, member).models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: k }))).code).toBe('FORBIDDEN');
    expect((await errorOf(c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: `${k}-invalid` }))).cause?.reason).toBe('invalid_key');
    expect((await errorOf(c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: k, model: 'gpt-99' }))).cause?.reason).toBe('model_unavailable');
    expect((await errorOf(c.models.setAiConfig({ workspaceId, mode: 'managed', provider: 'openai', model: 'gpt-99' }))).code).toBe('BAD_REQUEST');
    expect(await c.models.aiConfig({ workspaceId })).toEqual(before);
    expect(await c.keys.list({ workspaceId })).toHaveLength(0);

    await setWorkspacePlan(t.db, workspaceId, 'free');
    const free = await errorOf(c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: k }));
    expect(free).toMatchObject({ code: 'FORBIDDEN' });
    expect(free.message).toMatch(/Pro, Ultra, Enterprise/);
  });

  it('applies user AI defaults to workspaces created afterwards, re-encrypting the key, unless overridden', async () => {
    const u = await createUser(t.db, 'Defaults');
    await setWorkspacePlan(t.db, u.workspace.id, 'pro'); // a default key needs a BYOK workspace of one's own
    const c = callerFor(t.db, u);
    expect(await c.account.aiDefaults()).toBeNull();
    const k = canaryKey('sk-ant-api03-');
    const set = await c.account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: k, model: 'claude-sonnet-4-20250514' });
    expect(set).toMatchObject({ mode: 'byok', provider: 'anthropic', hasApiKey: true, apiKeyHint: `${k.slice(0, 4)}…${k.slice(-4)}` });
    expect(findCanary(JSON.stringify(set), k)).toBeNull();

    const ws = await c.workspace.create({ name: 'Inherits' });
    expect(await c.models.aiConfig({ workspaceId: ws.id })).toMatchObject({ mode: 'byok', provider: 'anthropic', model: 'claude-sonnet-4-20250514', hasApiKey: true });
    const [copied] = await c.keys.list({ workspaceId: ws.id });
    expect(copied).toMatchObject({ provider: 'anthropic', label: 'primary', status: 'active' });
    expect(copied!.modelCount).toBeGreaterThan(0);
    // Re-sealed under the workspace's data key: other ciphertext, same plaintext.
    const userRow = await t.db.userAiDefaults.findUniqueOrThrow({ where: { userId: u.id } });
    const wsRow = await t.db.providerKey.findUniqueOrThrow({ where: { id: copied!.id } });
    expect(Buffer.from(wsRow.ciphertext).equals(Buffer.from(userRow.ciphertext!))).toBe(false);
    expect(wsRow.id).not.toBe(userRow.keyId);
    expect(await decryptProviderKey(t.db, { workspaceId: ws.id, keyId: copied!.id, actorId: u.id })).toBe(k);

    const overridden = await c.workspace.create({ name: 'Managed one', aiDefaults: 'managed' });
    expect(await c.keys.list({ workspaceId: overridden.id })).toHaveLength(0);
    expect(await c.models.aiConfig({ workspaceId: overridden.id })).toMatchObject({ mode: 'managed' });

    await c.account.setAiDefaults({ mode: 'managed', provider: 'openai', model: 'gpt-4.1' });
    expect(await c.account.aiDefaults()).toEqual({ mode: 'managed', provider: 'openai', model: 'gpt-4.1', hasApiKey: false, apiKeyHint: null });
    const managedWs = await c.workspace.create({ name: 'Managed defaults' });
    expect(await c.models.aiConfig({ workspaceId: managedWs.id })).toMatchObject({ mode: 'managed', provider: 'openai', model: 'gpt-4.1' });
    await c.account.clearAiDefaults();
    expect(await c.account.aiDefaults()).toBeNull();
    expect(findCanary(await dumpDatabaseText(t.db), k)).toBeNull();
  });

  it('rejects a default key the provider refuses, storing nothing', async () => {
    const u = await createUser(t.db, 'Bad defaults');
    await setWorkspacePlan(t.db, u.workspace.id, 'pro');
    const err = await errorOf(callerFor(t.db, u).account.setAiDefaults({ mode: 'byok', provider: 'xai', apiKey: canaryKey('xai-') + '-nocredit' }));
    expect(err.cause?.reason).toBe('no_credit');
    expect(await callerFor(t.db, u).account.aiDefaults()).toBeNull();
  });

  it('lists keys and the catalog in their exact shapes and orders (one query each)', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Shapes');
    const caller = callerFor(t.db, owner);
    const openai = (await caller.keys.create({ workspaceId, provider: 'openai', label: 'zeta', apiKey: canaryKey() })).key;
    const anthropic = (await caller.keys.create({ workspaceId, provider: 'anthropic', label: 'primary', apiKey: canaryKey('sk-ant-api03-') })).key;
    const second = (await caller.keys.create({ workspaceId, provider: 'openai', label: 'alpha', apiKey: canaryKey() })).key;
    const gone = await t.db.discoveredModel.findFirstOrThrow({ where: { keyId: openai.id }, orderBy: { modelId: 'asc' }, select: { modelId: true, displayName: true, available: true } });
    await t.db.discoveredModel.update({ where: { keyId_modelId: { keyId: openai.id, modelId: gone.modelId } }, data: { available: false } });
    const models = (keyId: string) => t.db.discoveredModel.findMany({ where: { keyId }, orderBy: { modelId: 'asc' }, select: { modelId: true, displayName: true, available: true, contextWindow: true } });

    const list = await callerFor(t.db, member).keys.list({ workspaceId });
    // By provider, then oldest first.
    expect(list.map((k) => k.id)).toEqual([anthropic.id, openai.id, second.id]);
    const row = list[1]!;
    expect(Object.keys(row).sort()).toEqual(Object.keys(openai).sort());
    expect(row).toEqual({ ...openai, modelCount: (await models(openai.id)).length - 1, createdBy: owner.name, alsoConnectedIn: [] });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(list[0]!.modelCount).toBe((await models(anthropic.id)).length);

    const catalog = await callerFor(t.db, member).models.catalog({ workspaceId });
    // By provider, then label; each key's models by id, unavailable ones included and marked.
    expect(catalog.myModels).toEqual([
      { keyId: anthropic.id, provider: 'anthropic', label: 'primary', maskedHint: anthropic.maskedHint, status: 'active', models: await models(anthropic.id) },
      { keyId: second.id, provider: 'openai', label: 'alpha', maskedHint: second.maskedHint, status: 'active', models: await models(second.id) },
      { keyId: openai.id, provider: 'openai', label: 'zeta', maskedHint: openai.maskedHint, status: 'active', models: await models(openai.id) },
    ]);
    expect(catalog.myModels[2]!.models.find((m) => m.modelId === gone.modelId)).toMatchObject({ ...gone, available: false });
    // Context windows where the provider reports them (Anthropic's list does), for the picker.
    expect(catalog.myModels[0]!.models.some((m) => typeof m.contextWindow === 'number' && m.contextWindow > 0)).toBe(true);
    // The image price Generate's estimate multiplies: the image provider's first enabled image model.
    const image = await t.db.platformModel.findFirstOrThrow({ where: { provider: 'openai', kind: 'image', enabled: true }, orderBy: { id: 'asc' } });
    expect(catalog.imageCreditsPerImage).toBe(image.creditsPerImage);
    const platform = await t.db.platformModel.findMany({ where: { enabled: true, kind: 'text' }, orderBy: [{ provider: 'asc' }, { displayName: 'asc' }] });
    expect(catalog.platformModels).toEqual(
      platform.map((m) => ({
        id: m.id, provider: m.provider, modelId: m.modelId, displayName: m.displayName, tiers: m.tiers.split(',').filter(Boolean),
        creditsPer1kInput: m.creditsPer1kInput, creditsPer1kOutput: m.creditsPer1kOutput,
      })),
    );
    const empty = await createUser(t.db, 'Empty catalog');
    expect((await callerFor(t.db, empty).models.catalog({ workspaceId: empty.workspace.id })).myModels).toEqual([]);
  });

  it("warns when the same key is connected in another of the user's workspaces", async () => {
    const { owner, workspaceId } = await proWorkspace(t.db, 'Twin');
    const second = await callerFor(t.db, owner).workspace.create({ name: 'Twin second' });
    await setWorkspacePlan(t.db, second.id, 'pro');
    const k = canaryKey();
    await callerFor(t.db, owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k });
    await callerFor(t.db, owner).keys.create({ workspaceId: second.id, provider: 'openai', label: 'primary', apiKey: k });
    const [listed] = await callerFor(t.db, owner).keys.list({ workspaceId });
    expect(listed!.alsoConnectedIn).toEqual(['Twin second']);
    // Someone else with the same key elsewhere is never revealed.
    const stranger = await proWorkspace(t.db, 'Stranger');
    await callerFor(t.db, stranger.owner).keys.create({ workspaceId: stranger.workspaceId, provider: 'openai', label: 'primary', apiKey: k });
    const [again] = await callerFor(t.db, owner).keys.list({ workspaceId });
    expect(again!.alsoConnectedIn).toEqual(['Twin second']);
  });
});

await describeEachDb('platform catalog edits', (getDb) => {
  it('never leaves a tier without a platform default', async () => {
    const { addCatalogModel, editCatalogModel, platformDefault } = await import('~/server/services/catalog');
    const db = getDb().db;
    await expect(editCatalogModel(db, 'openai:gpt-4.1', { defaultForTier: 'standard' })).rejects.toMatchObject({ reason: 'is_default' });
    await expect(editCatalogModel(db, 'openai:gpt-4.1', { enabled: false })).rejects.toMatchObject({ reason: 'is_default' });
    await expect(editCatalogModel(db, 'no:such', { enabled: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await addCatalogModel(db, { provider: 'openai', modelId: 'gpt-5-mini', kind: 'text', tiers: ['fast'], creditsPer1kInput: 1, creditsPer1kOutput: 4 });
    await editCatalogModel(db, 'openai:gpt-5-mini', { defaultForTier: 'fast' });
    expect((await platformDefault(db, 'fast')).id).toBe('openai:gpt-5-mini');
    await editCatalogModel(db, 'google:gemini-2.5-flash-lite', { enabled: false });
    expect((await platformDefault(db, 'fast')).id).toBe('openai:gpt-5-mini');
  });

  it('adds only models whose id follows the model id pattern', async () => {
    const { addCatalogModel } = await import('~/server/services/catalog');
    const db = getDb().db;
    for (const modelId of ['../../anthropic/v1/x', 'models/gemini-2.5-pro', 'gemini 2']) {
      await expect(addCatalogModel(db, { provider: 'google', modelId, kind: 'text' }), modelId).rejects.toMatchObject({ code: 'BAD_REQUEST', reason: 'invalid_model' });
    }
    expect(await db.platformModel.count({ where: { provider: 'google', modelId: { contains: '/' } } })).toBe(0);
  });
});
