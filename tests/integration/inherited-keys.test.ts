// A new workspace inherits its creator's default key (PRODUCT.md M6) as its `primary` key. New workspaces
// start on Free, where own keys cannot serve: the creation says the key waits for a paid plan, and the
// operator's set-plan makes it serve the very next run. The key is probed before it is stored: one its
// provider refuses is not copied at all, and the workspace starts on platform models.
import { expect, it } from 'vitest';
import { startGeneration } from '~/server/services/generation/run';
import { setPlan } from '~/server/services/workspaces';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { describeEachDb } from '../helpers/db';
import { canaryKey } from '../helpers/canary';
import { callsWithKey, clearFakeRequests, revokeAtProvider } from '../helpers/fake-providers';
import { callerFor, createUser, setWorkspacePlan } from '../helpers/fixtures';
import { collect, finished } from '../helpers/runs';

await describeEachDb('inherited keys', (getDb) => {
  const db = () => getDb().db;

  async function userWithDefaultKey(name: string) {
    const u = await createUser(db(), name);
    await setWorkspacePlan(db(), u.workspace.id, 'pro'); // a default key needs a BYOK workspace of one's own
    const c = callerFor(db(), u);
    const k = canaryKey('sk-ant-api03-');
    await c.account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: k, model: 'claude-sonnet-4-20250514' });
    return { u, c, k };
  }

  it('copies a working default key, says it waits for a paid plan, and set-plan makes it serve the next run', async () => {
    const { u, c, k } = await userWithDefaultKey('Waiting inheritor');
    await clearFakeRequests();
    const ws = await c.workspace.create({ name: 'Inherits a key' });
    expect(ws.plan).toBe('free');
    expect(ws.inheritedKey).toMatchObject({ provider: 'anthropic', state: 'waiting_for_plan', outcome: 'valid', message: expect.stringMatching(/waits for a paid plan.*set-plan/) });
    expect((await callsWithKey(k)).length).toBeGreaterThan(0); // probed before it was stored
    const [copied] = await c.keys.list({ workspaceId: ws.id });
    expect(copied).toMatchObject({ provider: 'anthropic', label: 'primary', status: 'active', createdBy: u.name });
    expect(await decryptProviderKey(db(), { workspaceId: ws.id, keyId: copied!.id, actorId: u.id })).toBe(k);
    expect(await c.keys.audit({ workspaceId: ws.id })).toMatchObject([{ operation: 'key.create', provider: 'anthropic', label: 'primary', outcome: 'inherited', actor: u.name, actorToken: null }]);

    // On Free the run goes to credits (a second workspace gets none of its own: some are granted here) and says why.
    await db().workspace.update({ where: { id: ws.id }, data: { creditBalance: 100 } });
    const run = (plan: 'free' | 'pro') => startGeneration({ db: db(), actor: u, workspace: { id: ws.id, plan } }, { prompt: 'x', imageCount: 0 }).then(collect);
    const onFree = await run('free');
    expect(finished(onFree).status).toBe('succeeded');
    expect(onFree.find((e) => e.type === 'started')).toMatchObject({ fallbackNotice: expect.stringMatching(/Free plan/) });

    // One operator step: the key serves the next run, with no credits.
    await setPlan(db(), { slug: ws.slug, plan: 'pro' });
    await clearFakeRequests();
    const onPro = await run('pro');
    expect(finished(onPro)).toMatchObject({ status: 'succeeded', creditsUsed: 0 });
    expect((await callsWithKey(k)).length).toBe(1);
  });

  it('does not copy a default key its provider refuses: the workspace starts on platform models and the answer says why', async () => {
    const { c, k } = await userWithDefaultKey('Refused inheritor');
    await revokeAtProvider(k);
    const ws = await c.workspace.create({ name: 'Inherits a revoked key' });
    expect(ws.inheritedKey).toMatchObject({ provider: 'anthropic', state: 'not_stored', outcome: 'invalid_key', message: expect.stringMatching(/not copied/) });
    expect(await c.keys.list({ workspaceId: ws.id })).toEqual([]);
    expect(await c.models.aiConfig({ workspaceId: ws.id })).toMatchObject({ mode: 'managed', hasApiKey: false });
    expect(JSON.stringify(ws)).not.toContain(k.slice(-12));
  });

  it('says nothing about keys when the defaults have none, or the creation asks for platform models', async () => {
    const { c } = await userWithDefaultKey('Managed inheritor');
    expect((await c.workspace.create({ name: 'Starts managed', aiDefaults: 'managed' })).inheritedKey).toBeNull();
    await c.account.setAiDefaults({ mode: 'managed', provider: 'anthropic' });
    expect((await c.workspace.create({ name: 'Managed defaults' })).inheritedKey).toBeNull();
  });
});
