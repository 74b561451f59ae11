// A new workspace inherits its creator's default key (PRODUCT.md M6) as its `primary` key, whatever the
// new workspace's plan; when the key cannot list its models any more it is still stored, shown failing.
import { expect, it } from 'vitest';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { describeEachDb } from '../helpers/db';
import { canaryKey } from '../helpers/canary';
import { revokeAtProvider } from '../helpers/fake-providers';
import { callerFor, createUser, setWorkspacePlan } from '../helpers/fixtures';

await describeEachDb('inherited keys', (getDb) => {
  const db = () => getDb().db;

  it('stores a default key the provider stopped accepting in the new (Free) workspace, failing, with no models', async () => {
    const u = await createUser(db(), 'Inheritor');
    await setWorkspacePlan(db(), u.workspace.id, 'pro'); // a default key needs a BYOK workspace of one's own
    const c = callerFor(db(), u);
    const k = canaryKey('sk-ant-api03-');
    await c.account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: k, model: 'claude-sonnet-4-20250514' });
    await revokeAtProvider(k);

    const ws = await c.workspace.create({ name: 'Inherits a revoked key' });
    expect(ws.plan).toBe('free');
    const [copied, ...rest] = await c.keys.list({ workspaceId: ws.id });
    expect(rest).toHaveLength(0);
    expect(copied).toMatchObject({ provider: 'anthropic', label: 'primary', status: 'failing', lastOutcome: 'invalid_key', modelCount: 0, modelsRefreshedAt: null, createdBy: u.name });
    expect(copied!.lastValidatedAt).not.toBeNull();
    expect(await decryptProviderKey(db(), { workspaceId: ws.id, keyId: copied!.id, actorId: u.id })).toBe(k);
    expect(await c.models.aiConfig({ workspaceId: ws.id })).toMatchObject({ mode: 'byok', provider: 'anthropic', model: 'claude-sonnet-4-20250514', hasApiKey: true });
    expect(await c.keys.audit({ workspaceId: ws.id })).toMatchObject([{ operation: 'key.create', provider: 'anthropic', label: 'primary', outcome: 'inherited', actor: u.name, actorToken: null }]);
  });
});
