// Monthly estimated-spend alerts per key (issue 19): crossing the threshold notifies the owners once a
// month, whichever instance checks first; a new threshold may alert again.
import { expect, it } from 'vitest';
import { checkSpendAlerts } from '~/server/services/spend-alerts';
import { newId } from '~/server/ids';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser, proWorkspace } from '../helpers/fixtures';
import { insertKey } from '../helpers/procedures';

await describeEachDb('key spend alerts', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('notifies the owners once when a key’s estimate this month reaches the threshold', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Spend');
    const keyId = await insertKey({ db: t.db, workspaceId, owner });
    const caller = callerFor(t.db, owner);
    await caller.usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: 1 });
    const call = (inputTokens: number) => ({
      id: newId(), workspaceId, provider: 'openai', operation: 'chat', model: 'gpt-4.1-mini', credentialSource: 'byok', keyId, status: 200, latencyMs: 5, inputTokens, outputTokens: 0,
    });
    // $0.40 per 1M input tokens: 2M tokens are $0.80, under the threshold.
    await t.db.gatewayCall.createMany({ data: [call(2_000_000)] });
    expect(await checkSpendAlerts(t.db)).toBe(0);
    expect((await caller.usage.spendAlerts({ workspaceId }))[0]).toMatchObject({ keyId, monthlyUsd: 1, spentUsd: 0.8, alertedThisMonth: false });
    await t.db.gatewayCall.createMany({ data: [call(1_000_000)] });
    // Two instances check at once: one notification.
    const sent = await Promise.all([checkSpendAlerts(t.db), checkSpendAlerts(t.db)]);
    expect(sent[0]! + sent[1]!).toBe(1);
    // The owners' bell has it once; the member's does not; it names the key, never its material.
    const bell = await callerFor(t.db, owner).notifications.list();
    expect(bell.items.filter((n) => n.kind === 'key_spend_alert')).toHaveLength(1);
    expect(bell.items[0]!.title).toContain('reached $1 this month');
    expect(JSON.stringify(bell)).not.toMatch(/sk-/);
    expect((await callerFor(t.db, member).notifications.list()).items).toEqual([]);
    expect(await checkSpendAlerts(t.db)).toBe(0);
    // A higher threshold starts over.
    await caller.usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: 2 });
    expect(await checkSpendAlerts(t.db)).toBe(0);
    await caller.usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: 1 });
    expect(await checkSpendAlerts(t.db)).toBe(1);

    await expect(callerFor(t.db, member).usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: 5 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const other = await createUser(t.db, 'Spend other');
    const otherKey = await insertKey({ db: t.db, workspaceId: other.workspace.id, owner: other });
    await expect(caller.usage.setSpendAlert({ workspaceId, keyId: otherKey, monthlyUsd: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const bad of [-1, 0, 1.5]) await expect(caller.usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: bad })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await caller.usage.setSpendAlert({ workspaceId, keyId, monthlyUsd: null });
    expect(await caller.usage.spendAlerts({ workspaceId })).toEqual([]);
  });
});
