// A run whose key fails, goes missing or cannot be decrypted: with the workspace's fallback on it continues on
// platform credits and says so; with it off it fails, charges nothing and says why (PRODUCT.md M7).
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { RunEvent } from '~/lib/schemas/generation';
import { getBalance, usedThisMonth } from '~/server/services/credits';
import { startGeneration } from '~/server/services/generation/run';
import { keyring, MasterKeyUnavailable, setKeyring } from '~/server/vault/keyring';
import { canaryKey } from '../helpers/canary';
import { describeEachDb } from '../helpers/db';
import { callsWithKey, revokeAtProvider } from '../helpers/fake-providers';
import { callerFor, createUser, proWorkspace, workspaceCtxFor } from '../helpers/fixtures';
import { collect, finished, ownerWithKey as withKey } from '../helpers/runs';

await describeEachDb('generation fallback', (getDb) => {
  const t = { get db() { return getDb().db; } };
  const ownerWithKey = (name: string, provider?: Parameters<typeof withKey>[2], suffix?: string) => withKey(t.db, name, provider, suffix);

  it('with fallback off, a key that starts failing fails the run with its message, charges nothing and is marked failing', async () => {
    const o = await ownerWithKey('Studio failing off');
    await callerFor(t.db, o.owner).models.setFallbackPolicy({ workspaceId: o.workspaceId, fallbackPolicy: 'never' });
    await callerFor(t.db, o.owner).models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' } });
    await revokeAtProvider(o.k);
    const before = await getBalance(t.db, o.workspaceId);
    const events = await collect(await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'x', imageCount: 1 }));
    expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'invalid_key', creditsUsed: 0 });
    expect(finished(events).message).toMatch(/rejected your workspace's key.*API Keys/);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
    expect((await callerFor(t.db, o.owner).keys.list({ workspaceId: o.workspaceId }))[0]).toMatchObject({ status: 'failing', lastOutcome: 'invalid_key' });
  });

  it('with fallback on, the run completes on the platform default, records the fallback and says so', async () => {
    const o = await ownerWithKey('Studio failing on');
    await callerFor(t.db, o.owner).models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' } });
    await revokeAtProvider(o.k);
    const events = await collect(await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'x', imageCount: 0 }));
    expect(finished(events).status).toBe('succeeded');
    expect(events.find((e) => e.type === 'notice')).toMatchObject({ text: expect.stringMatching(/continues on platform credits/) });
    const run = await callerFor(t.db, o.owner).generation.get({ workspaceId: o.workspaceId, runId: finished(events).runId });
    expect(run.steps.map((s) => [s.credentialSource, s.status])).toEqual([
      ['byok', 'failed'],
      ['managed_fallback', 'succeeded'],
    ]);
    expect(run.creditsUsed).toBe(run.steps[1]!.credits);
    expect(run.creditsUsed).toBeGreaterThan(0);
  });

  it('a fallback reserved mid-run counts against the member’s monthly cap, and is refused past it', async () => {
    const o = await ownerWithKey('Studio fallback cap');
    const member = await createUser(t.db, 'Capped member');
    await t.db.membership.create({ data: { workspaceId: o.workspaceId, userId: member.id, role: 'member' } });
    await callerFor(t.db, o.owner).models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' } });
    await revokeAtProvider(o.k);
    const ws = await workspaceCtxFor(t.db, member, o.workspaceId);
    // Uncapped: the fallback's reservation is the member's.
    const first = await collect(await startGeneration(ws, { prompt: 'x', imageCount: 0 }));
    expect(finished(first).status).toBe('succeeded');
    const used = await usedThisMonth(t.db, o.workspaceId, { memberId: member.id });
    expect(used).toBeGreaterThan(0);
    // Capped at what they used: the next run's fallback is refused with the cap's reason, and charges nothing.
    await callerFor(t.db, o.owner).usage.setMemberCap({ workspaceId: o.workspaceId, userId: member.id, monthlyCreditCap: used });
    const before = await getBalance(t.db, o.workspaceId);
    const second = await collect(await startGeneration(ws, { prompt: 'x', imageCount: 0 }));
    expect(finished(second)).toMatchObject({ status: 'failed', creditsUsed: 0 });
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
    expect(await usedThisMonth(t.db, o.workspaceId, { memberId: member.id })).toBe(used);
  });

  /** A Pro workspace whose Standard tier is left on OpenAI without a key (the AI config's `api_key: null`), and a removed key's id. */
  async function keylessStandard(name: string) {
    const w = await proWorkspace(t.db, name);
    const c = callerFor(t.db, w.owner);
    const k = canaryKey('sk-proj-');
    await c.models.setAiConfig({ workspaceId: w.workspaceId, mode: 'byok', provider: 'openai', apiKey: k, model: 'gpt-4.1-mini' });
    const [key] = await c.keys.list({ workspaceId: w.workspaceId });
    await c.models.setAiConfig({ workspaceId: w.workspaceId, mode: 'byok', provider: 'openai', apiKey: null });
    expect((await c.models.tiers({ workspaceId: w.workspaceId })).tiers[1]).toMatchObject({ provider: 'openai', modelId: 'gpt-4.1-mini', broken: 'key_missing' });
    expect(await c.models.aiConfig({ workspaceId: w.workspaceId })).toMatchObject({ mode: 'byok', hasApiKey: false });
    return { ...w, c, k, ws: { id: w.workspaceId, plan: 'pro' as const }, removedKeyId: key!.id };
  }

  it('with fallback on, a key missing before the run (api_key: null, or a picked key since removed) runs on the platform default and says so', async () => {
    const o = await keylessStandard('Studio keyless on');
    const standard = await t.db.platformModel.findFirstOrThrow({ where: { defaultForTier: 'standard' } });
    const picks = [
      { choice: null, notice: /^Using platform credits: the standard default has no key\.$/ },
      { choice: { source: 'byok' as const, keyId: o.removedKeyId, modelId: 'gpt-4.1-mini' }, notice: /^Using platform credits: the chosen key was removed\.$/ },
    ];
    for (const { choice, notice } of picks) {
      const before = await getBalance(t.db, o.workspaceId);
      const events = await collect(await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', choice, imageCount: 0 }));
      const started = events.find((e) => e.type === 'started') as Extract<RunEvent, { type: 'started' }>;
      expect(started.fallbackNotice).toMatch(notice);
      expect(started.steps).toEqual([expect.objectContaining({ credentialSource: 'managed_fallback', provider: standard.provider, modelId: standard.modelId })]);
      expect(finished(events).status).toBe('succeeded');
      expect(finished(events).creditsUsed).toBeGreaterThan(0);
      expect(await getBalance(t.db, o.workspaceId)).toBe(before - finished(events).creditsUsed);
    }
    expect(await callsWithKey(o.k)).toHaveLength(2); // the probe when it was added, nothing since
  });

  it('with fallback off, a key missing before the run (api_key: null, or a picked key since removed) refuses the run: nothing called, written or charged', async () => {
    const o = await keylessStandard('Studio keyless off');
    await o.c.models.setFallbackPolicy({ workspaceId: o.workspaceId, fallbackPolicy: 'never' });
    const before = await getBalance(t.db, o.workspaceId);
    for (const [choice, why] of [[null, /the standard default has no key/], [{ source: 'byok' as const, keyId: o.removedKeyId, modelId: 'gpt-4.1-mini' }, /the chosen key was removed/]] as const) {
      const err = await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', choice, imageCount: 2 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', reason: 'no_usable_key' });
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).toMatch(/Fallback to platform credits is off for this workspace, so nothing was run or charged/);
    }
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
    expect(await t.db.creditReservation.count({ where: { workspaceId: o.workspaceId } })).toBe(0);
    expect(await t.db.generationRun.count({ where: { workspaceId: o.workspaceId } })).toBe(0);
    expect(await callsWithKey(o.k)).toHaveLength(2);
  });

  /** Flips one bit of a stored key's ciphertext: its seal no longer verifies. */
  async function corrupt(keyId: string) {
    const row = await t.db.providerKey.findUniqueOrThrow({ where: { id: keyId }, select: { ciphertext: true } });
    const bytes = Buffer.from(row.ciphertext);
    bytes[0]! ^= 1;
    await t.db.providerKey.update({ where: { id: keyId }, data: { ciphertext: new Uint8Array(bytes) } });
  }

  it('with fallback on, a key that cannot be decrypted is flagged and audited, and the run continues on platform credits only after saying so', async () => {
    const o = await ownerWithKey('Studio unreadable on', 'openai');
    await callerFor(t.db, o.owner).models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'gpt-4.1-mini' } });
    await corrupt(o.key.id);
    const calls = (await callsWithKey(o.k)).length;
    const before = await getBalance(t.db, o.workspaceId);

    const events = await collect(await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 0 }));
    expect(events.find((e) => e.type === 'started')).toMatchObject({ fallbackNotice: null });
    expect(events.find((e) => e.type === 'notice')).toMatchObject({ text: expect.stringMatching(/can no longer be read.*This run continues on platform credits with/) });
    expect(finished(events).status).toBe('succeeded');
    const run = await callerFor(t.db, o.owner).generation.get({ workspaceId: o.workspaceId, runId: finished(events).runId });
    expect(run.steps.map((st) => [st.credentialSource, st.status, st.errorCode, st.credits > 0])).toEqual([
      ['byok', 'failed', 'key_unreadable', false],
      ['managed_fallback', 'succeeded', null, true],
    ]);
    expect(run.creditsUsed).toBe(run.steps[1]!.credits);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before - run.creditsUsed);
    expect(await callsWithKey(o.k)).toHaveLength(calls); // nothing was sent with it
    expect(await t.db.providerKey.findUniqueOrThrow({ where: { id: o.key.id }, select: { status: true } })).toEqual({ status: 'needs_reentry' });
    expect(await t.db.auditEvent.findMany({ where: { workspaceId: o.workspaceId, operation: 'key.decrypt_failed' }, select: { keyId: true, actorId: true, outcome: true } }))
      .toEqual([{ keyId: o.key.id, actorId: o.member.id, outcome: 'authentication' }]);

    // The flagged key is not tried again: the next run says up front that it uses platform credits.
    const next = await collect(await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 0 }));
    expect(next.find((e) => e.type === 'started')).toMatchObject({
      fallbackNotice: 'Using platform credits: the key can no longer be read.',
      steps: [expect.objectContaining({ credentialSource: 'managed_fallback' })],
    });
    expect(finished(next).status).toBe('succeeded');
    expect(await t.db.auditEvent.count({ where: { workspaceId: o.workspaceId, operation: 'key.decrypt_failed' } })).toBe(1);
  });

  it('with fallback off, a key that cannot be decrypted fails the run, charges nothing and says why', async () => {
    const o = await ownerWithKey('Studio unreadable off', 'openai');
    const c = callerFor(t.db, o.owner);
    await c.models.setFallbackPolicy({ workspaceId: o.workspaceId, fallbackPolicy: 'never' });
    await c.models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'gpt-4.1-mini' } });
    await corrupt(o.key.id);
    const before = await getBalance(t.db, o.workspaceId);
    const events = await collect(await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 1 }));
    expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'key_unreadable', creditsUsed: 0 });
    expect(finished(events).message).toMatch(/can no longer be read.*Fallback to platform credits is off for this workspace, so nothing was charged/);
    expect(events.find((e) => e.type === 'notice')).toBeUndefined();
    expect(await getBalance(t.db, o.workspaceId)).toBe(before); // the images' reservation went back
    expect(await t.db.creditReservation.count({ where: { workspaceId: o.workspaceId, status: 'held' } })).toBe(0);
    expect((await c.keys.list({ workspaceId: o.workspaceId }))[0]).toMatchObject({ status: 'needs_reentry' });
    expect(await t.db.auditEvent.count({ where: { workspaceId: o.workspaceId, operation: 'key.decrypt_failed' } })).toBe(1);

    // Flagged, the key refuses the next run before anything is reserved or written.
    const err = await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'no_usable_key', message: expect.stringMatching(/the key can no longer be read/) });
    expect(await t.db.generationRun.count({ where: { workspaceId: o.workspaceId } })).toBe(1);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
  });

  it('fails closed without falling back to credits when the master key source is unavailable', async () => {
    const o = await ownerWithKey('Studio key service down');
    await callerFor(t.db, o.owner).models.setTier({ workspaceId: o.workspaceId, tier: 'standard', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' } });
    const held = await keyring();
    // The workspace's data key names a master key version this process must fetch, and the fetch fails.
    setKeyring({ source: 'secret-manager', primary: 'sm2', keys: new Map([['sm2', randomBytes(32)]]), load: () => Promise.reject(new MasterKeyUnavailable('timeout', '1')) });
    try {
      const before = await getBalance(t.db, o.workspaceId);
      const probeCalls = (await callsWithKey(o.k)).length;
      const events = await collect(await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'x', imageCount: 0 }));
      expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'master_key_unavailable', creditsUsed: 0 });
      expect(finished(events).message).toMatch(/encryption key service is unavailable/);
      expect(events.find((e) => e.type === 'notice')).toBeUndefined(); // no fallback announced
      expect(await getBalance(t.db, o.workspaceId)).toBe(before);
      expect(await callsWithKey(o.k)).toHaveLength(probeCalls); // no provider call
      expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: o.key.id } })).status).toBe('active');
    } finally {
      setKeyring(held);
    }
  });
});
