// Probes are an oracle for stolen keys (issue 15, item 5): every path that probes shares one set of
// counters — per user, per workspace, per client address, and a platform ceiling — and only plans that
// allow keys get probes at all.
import { expect, it } from 'vitest';
import { PROBE_LIMITS, PROBES_PER_MINUTE } from '~/server/services/probe-limit';
import { canaryKey } from '../helpers/canary';
import { describeEachDb } from '../helpers/db';
import { callsWithKey } from '../helpers/fake-providers';
import { callerFor, createUser, proWorkspace, setWorkspacePlan } from '../helpers/fixtures';

async function errorOf(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code: string; message: string; cause?: { reason?: string; details?: Record<string, unknown> } },
  );
}

await describeEachDb('probe limits', (getDb) => {
  const db = () => getDb().db;

  it('counts probes per client address across accounts: four accounts on one address get at most the address limit', async () => {
    const address = '203.0.113.7';
    const owners = await Promise.all([1, 2, 3, 4].map(async (i) => (await proWorkspace(db(), `Farm ${i}`)).owner));
    let allowed = 0;
    let refused = 0;
    for (const owner of owners) {
      const c = callerFor(db(), owner, { clientIp: address });
      for (let i = 0; i < PROBES_PER_MINUTE; i++) {
        const e = await errorOf(c.keys.create({ workspaceId: owner.workspace.id, provider: 'openai', label: `l${i}`, apiKey: canaryKey() + '-invalid' }));
        if (e.code === 'TOO_MANY_REQUESTS') refused++;
        else allowed++;
      }
    }
    expect(allowed).toBe(PROBE_LIMITS.address.points);
    expect(refused).toBe(4 * PROBES_PER_MINUTE - PROBE_LIMITS.address.points);
    // Another address is not affected (a fresh account: the four above spent their own minute too).
    const other = (await proWorkspace(db(), 'Elsewhere')).owner;
    const k = canaryKey();
    await callerFor(db(), other, { clientIp: '198.51.100.9' }).keys.create({ workspaceId: other.workspace.id, provider: 'openai', label: 'fresh', apiKey: k });
    expect((await callsWithKey(k)).length).toBeGreaterThan(0);
  });

  it('counts one user across workspaces and across every path that probes', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'Many paths');
    const second = await callerFor(db(), owner).workspace.create({ name: 'Second' });
    await setWorkspacePlan(db(), second.id, 'pro');
    const c = callerFor(db(), owner);
    const stored = (await c.keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaryKey() })).key;
    const attempts = [
      () => c.keys.verify({ workspaceId, keyId: stored.id }),
      () => c.keys.replace({ workspaceId, keyId: stored.id, apiKey: canaryKey() + '-invalid' }),
      () => c.models.setAiConfig({ workspaceId: second.id, mode: 'byok', provider: 'anthropic', apiKey: canaryKey('sk-ant-api03-') + '-invalid' }),
      () => c.account.setAiDefaults({ mode: 'byok', provider: 'xai', apiKey: canaryKey('xai-') + '-invalid' }),
      () => c.keys.create({ workspaceId: second.id, provider: 'mistral', label: 'm', apiKey: canaryKey('') + '-invalid' }),
    ];
    // One probe was the add above; the rest of the user's minute goes through the other paths.
    for (let i = 1; i < PROBES_PER_MINUTE; i++) await attempts[i % attempts.length]!().catch(() => undefined);
    for (const attempt of attempts) {
      expect((await errorOf(attempt())).cause?.reason).toBe('probe_rate_limited');
    }
  });

  it('refuses a default key for an account without a workspace of its own on a BYOK plan, before any probe', async () => {
    const u = await createUser(db(), 'Free defaults');
    const k = canaryKey('sk-ant-api03-');
    const e = await errorOf(callerFor(db(), u).account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: k }));
    expect([e.code, e.cause?.reason]).toEqual(['FORBIDDEN', 'plan_required']);
    expect(await callsWithKey(k)).toHaveLength(0);
    expect(await db().rateLimiterFlexible.count({ where: { key: `probe:user:${u.id}` } })).toBe(0);
    // A member (not owner) of a Pro workspace has no workspace of their own on a BYOK plan either.
    const { member } = await proWorkspace(db(), 'Member defaults');
    expect((await errorOf(callerFor(db(), member).account.setAiDefaults({ mode: 'byok', provider: 'anthropic', apiKey: k }))).code).toBe('FORBIDDEN');
    // Managed defaults need no probe and stay open to everyone.
    await callerFor(db(), u).account.setAiDefaults({ mode: 'managed', provider: 'openai' });
  });

  it('does not verify (probe) a stored key on the Free plan', async () => {
    const { owner, workspaceId } = await proWorkspace(db(), 'Downgraded verify');
    const k = canaryKey();
    const stored = (await callerFor(db(), owner).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k })).key;
    await setWorkspacePlan(db(), workspaceId, 'free');
    const before = (await callsWithKey(k)).length;
    const e = await errorOf(callerFor(db(), owner).keys.verify({ workspaceId, keyId: stored.id }));
    expect([e.code, e.cause?.reason]).toEqual(['FORBIDDEN', 'plan_required']);
    expect(await callsWithKey(k)).toHaveLength(before);
  });

  it('has a ceiling for the whole platform', async () => {
    // Fill the platform counter as if many users had probed this minute.
    const row = { points: PROBE_LIMITS.platform.points, expire: new Date(Date.now() + 60_000) };
    await db().rateLimiterFlexible.upsert({ where: { key: `${PROBE_LIMITS.platform.name}:all` }, create: { key: `${PROBE_LIMITS.platform.name}:all`, ...row }, update: row });
    const { owner, workspaceId } = await proWorkspace(db(), 'Ceiling');
    const k = canaryKey();
    const e = await errorOf(callerFor(db(), owner, { clientIp: '192.0.2.1' }).keys.create({ workspaceId, provider: 'openai', label: 'primary', apiKey: k }));
    expect(e.cause?.reason).toBe('probe_rate_limited');
    expect(e.cause?.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(await callsWithKey(k)).toHaveLength(0);
    await db().rateLimiterFlexible.deleteMany({ where: { key: `${PROBE_LIMITS.platform.name}:all` } });
  });
});
