// Key controls (issue 19): pausing a key, the order among a provider's keys with failover to the next one,
// and the fallback policy as a choice — the same rules for Content Studio runs and gateway calls
// (services/keys/selection.ts). Keys that must fail in a given way are re-sealed in place with a fake
// provider scenario marker (fake-providers/scenarios.ts), as a key that starts failing at its provider would.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import { changingConfig } from '~/server/db/config-changes';
import type { Db } from '~/server/db/connect';
import { flushCalls } from '~/server/gateway/calls';
import { getBalance } from '~/server/services/credits';
import { startGeneration } from '~/server/services/generation/run';
import { keysExpiringWithin } from '~/server/services/keys/queries';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { sealProviderKey } from '~/server/vault/envelope';
import { startApiServer } from '../helpers/api-server';
import { canaryKey } from '../helpers/canary';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { callsWithKey, clearFakeRequests, setFakeLatency } from '../helpers/fake-providers';
import { callerFor, createUser, proWorkspace, setWorkspacePlan } from '../helpers/fixtures';
import { collect, finished } from '../helpers/runs';

let server: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(() => server.close());

const PLATFORM_OPENAI = process.env.PLATFORM_OPENAI_API_KEY!;
const MODEL = 'gpt-4.1-mini';
const chat = () => ({ model: MODEL, messages: [{ role: 'user', content: 'A fox in one line.' }] });

async function gatewayChat(token: string) {
  const res = await fetch(`${server.base}/api/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(chat()),
  });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return null; } })() };
}

await describeEachDb('key controls', (getDb) => {
  const db = (): Db => getDb().db;
  beforeEach(serveFromTestDb(getDb));

  /**
   * A Pro workspace in byok mode on OpenAI with keys labelled `primary`, `second`, … in that order, each
   * then re-sealed to behave as `behave[i]` says ('' valid, or a scenario marker such as '-ratelimit').
   */
  async function workspaceWithKeys(name: string, behave: string[], policy: FallbackPolicy = 'never') {
    const w = await proWorkspace(db(), name);
    const c = callerFor(db(), w.owner);
    const plain = behave.map(() => canaryKey('sk-proj-'));
    await c.models.setAiConfig({ workspaceId: w.workspaceId, mode: 'byok', provider: 'openai', apiKey: plain[0]!, model: MODEL });
    const labels = ['primary', 'second', 'third'];
    for (let i = 1; i < behave.length; i++) await c.keys.create({ workspaceId: w.workspaceId, provider: 'openai', label: labels[i]!, apiKey: plain[i]! });
    const keys = await c.keys.list({ workspaceId: w.workspaceId });
    const ids = labels.slice(0, behave.length).map((l) => keys.find((k) => k.label === l)!.id);
    const actual = plain.map((p, i) => `${p}${behave[i]}`);
    for (const [i, id] of ids.entries()) {
      if (!behave[i]) continue;
      const sealed = await sealProviderKey({ workspaceId: w.workspaceId, provider: 'openai', keyId: id }, actual[i]!);
      await changingConfig(db(), w.workspaceId, () => db().providerKey.update({ where: { id }, data: sealed }));
    }
    await c.models.setFallbackPolicy({ workspaceId: w.workspaceId, fallbackPolicy: policy });
    await db().workspace.update({ where: { id: w.workspaceId }, data: { creditBalance: 5000 } });
    const { token } = await createRuntimeToken({ db: db(), actor: w.owner, workspace: { id: w.workspaceId, role: 'owner' } }, { label: 'tests' });
    return { ...w, c, ids, keys: actual, token, ws: { id: w.workspaceId, plan: 'pro' as const } };
  }

  const run = (w: { owner: { id: string }; ws: { id: string; plan: 'pro' } }) =>
    startGeneration({ db: db(), actor: w.owner, workspace: w.ws }, { prompt: 'A fox', imageCount: 0 }).then(collect);

  // A call is recorded just after its answer ends (after settling credits): wait for a record newer than the last one seen.
  const seen = new Map<string, number>();
  async function lastCall(workspaceId: string) {
    await expect.poll(async () => {
      await flushCalls(db());
      return db().gatewayCall.count({ where: { workspaceId } });
    }).toBeGreaterThan(seen.get(workspaceId) ?? 0);
    seen.set(workspaceId, await db().gatewayCall.count({ where: { workspaceId } }));
    return db().gatewayCall.findFirstOrThrow({ where: { workspaceId }, orderBy: { createdAt: 'desc' } });
  }

  // ---- pause / resume ----

  it('lets only the owner of a paid workspace pause or resume its own keys, and audits each change', async () => {
    const w = await workspaceWithKeys('Pause rules', ['']);
    const member = await createUser(db(), 'Pause member');
    await db().membership.create({ data: { workspaceId: w.workspaceId, userId: member.id, role: 'member' } });
    const other = await proWorkspace(db(), 'Pause other');
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

    expect(await code(callerFor(db(), member).keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! }))).toBe('FORBIDDEN');
    // Another workspace's owner naming this key, through their own workspace: not found, and nothing changes.
    expect(await code(callerFor(db(), other.owner).keys.pause({ workspaceId: other.workspaceId, keyId: w.ids[0]! }))).toBe('NOT_FOUND');
    expect(await code(callerFor(db(), other.owner).keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! }))).toBe('NOT_FOUND');
    expect((await db().providerKey.findUniqueOrThrow({ where: { id: w.ids[0]! } })).pausedAt).toBeNull();

    const paused = await w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! });
    expect(paused.pausedAt).toBeInstanceOf(Date);
    await w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! }); // idempotent: no second audit row
    expect((await w.c.keys.resume({ workspaceId: w.workspaceId, keyId: w.ids[0]! })).pausedAt).toBeNull();
    const audit = await db().auditEvent.findMany({ where: { workspaceId: w.workspaceId, operation: { in: ['key.pause', 'key.resume'] } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => [a.operation, a.keyId, a.actorId])).toEqual([
      ['key.pause', w.ids[0], w.owner.id],
      ['key.resume', w.ids[0], w.owner.id],
    ]);

    // Free plan: refused before anything is written.
    await setWorkspacePlan(db(), w.workspaceId, 'free');
    expect(await code(w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! }))).toBe('FORBIDDEN');
    expect((await db().providerKey.findUniqueOrThrow({ where: { id: w.ids[0]! } })).pausedAt).toBeNull();
  });

  it('a paused key serves neither runs nor gateway calls: with fallback never both are refused, nothing reaches the provider', async () => {
    const w = await workspaceWithKeys('Paused never', ['']);
    await w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! });
    await clearFakeRequests();
    const before = await getBalance(db(), w.workspaceId);

    await expect(run(w)).rejects.toMatchObject({ reason: 'no_usable_key', message: expect.stringMatching(/paused/) });
    const g = await gatewayChat(w.token);
    expect(g.status).toBe(403);
    expect(g.text).toMatch(/paused/);
    expect(await callsWithKey(w.keys[0]!)).toEqual([]);
    expect(await callsWithKey(PLATFORM_OPENAI)).toEqual([]);
    expect(await getBalance(db(), w.workspaceId)).toBe(before);

    // Resumed: the very next run and call use it again.
    await w.c.keys.resume({ workspaceId: w.workspaceId, keyId: w.ids[0]! });
    expect(finished(await run(w)).status).toBe('succeeded');
    expect((await gatewayChat(w.token)).status).toBe(200);
    expect((await callsWithKey(w.keys[0]!)).length).toBe(2);
  });

  it('a paused key is treated as missing under fallback always: runs and calls go to platform credits and are recorded so', async () => {
    const w = await workspaceWithKeys('Paused always', [''], 'always');
    await w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[0]! });
    await clearFakeRequests();

    const events = await run(w);
    expect(finished(events).status).toBe('succeeded');
    const r = await w.c.generation.get({ workspaceId: w.workspaceId, runId: finished(events).runId });
    expect(r.steps.map((s) => s.credentialSource)).toEqual(['managed_fallback']);
    expect((await db().generationRun.findUniqueOrThrow({ where: { id: r.id } })).fallbackPolicy).toBe('always');

    expect((await gatewayChat(w.token)).status).toBe(200);
    expect(await lastCall(w.workspaceId)).toMatchObject({ credentialSource: 'managed_fallback', keyId: null, fallbackPolicy: 'always' });
    expect(await callsWithKey(w.keys[0]!)).toEqual([]);
    expect((await callsWithKey(PLATFORM_OPENAI)).length).toBeGreaterThan(0); // the run's platform default may be another provider's
  });

  // ---- order and failover ----

  it('fails over to the next key in order on a rate limit, before any platform fallback (gateway and run)', async () => {
    const w = await workspaceWithKeys('Failover', ['-ratelimit', ''], 'always');
    await clearFakeRequests();
    const g = await gatewayChat(w.token);
    expect(g.status, g.text).toBe(200);
    expect(await lastCall(w.workspaceId)).toMatchObject({ credentialSource: 'byok', keyId: w.ids[1], fallbackPolicy: 'always', credits: 0 });

    const events = await run(w);
    expect(finished(events).status).toBe('succeeded');
    expect(events.find((e) => e.type === 'notice')).toMatchObject({ text: expect.stringMatching(/next OpenAI key \(second\)/) });
    const r = await w.c.generation.get({ workspaceId: w.workspaceId, runId: finished(events).runId });
    expect(r.steps.map((s) => [s.credentialSource, s.keyId, s.status])).toEqual([
      ['byok', w.ids[0], 'failed'],
      ['byok', w.ids[1], 'succeeded'],
    ]);
    expect(r.creditsUsed).toBe(0);
    expect((await callsWithKey(w.keys[0]!)).length).toBe(2);
    expect((await callsWithKey(w.keys[1]!)).length).toBe(2);
    expect(await callsWithKey(PLATFORM_OPENAI)).toEqual([]);

    // Reordered: the second key goes first and the rate-limited one is not tried at all.
    await w.c.keys.reorder({ workspaceId: w.workspaceId, provider: 'openai', keyIds: [w.ids[1]!, w.ids[0]!] });
    await clearFakeRequests();
    expect((await gatewayChat(w.token)).status).toBe(200);
    expect(await callsWithKey(w.keys[0]!)).toEqual([]);
    expect((await w.c.keys.list({ workspaceId: w.workspaceId })).map((k) => k.label)).toEqual(['second', 'primary']);
  });

  it('never sends a call again after a key’s connection dropped once the provider had the request (it may have billed it)', async () => {
    const w = await workspaceWithKeys('Dropped', ['-drop', ''], 'always');
    await clearFakeRequests();
    const g = await gatewayChat(w.token);
    expect(g.status, g.text).toBe(502);
    expect((await callsWithKey(w.keys[0]!)).length).toBe(1);
    expect(await callsWithKey(w.keys[1]!)).toEqual([]);
    expect(await callsWithKey(PLATFORM_OPENAI)).toEqual([]);
    expect(await lastCall(w.workspaceId)).toMatchObject({ keyId: w.ids[0], outcome: 'upstream_failed', credits: 0 });
  });

  it('passes over a key that cannot be decrypted to the next one, and answers (never hangs) when none is left', async () => {
    const w = await workspaceWithKeys('Unreadable', ['', ''], 'never');
    // The first key's ciphertext is damaged: its decryption fails.
    await changingConfig(db(), w.workspaceId, () => db().providerKey.update({ where: { id: w.ids[0]! }, data: { ciphertext: new Uint8Array(randomBytes(48)) } }));
    await clearFakeRequests();
    const g = await gatewayChat(w.token);
    expect(g.status, g.text).toBe(200);
    expect(await lastCall(w.workspaceId)).toMatchObject({ keyId: w.ids[1] });
    expect(await callsWithKey(w.keys[0]!)).toEqual([]);
    // With the other key paused there is none left: a clear refusal in the provider's shape.
    await w.c.keys.pause({ workspaceId: w.workspaceId, keyId: w.ids[1]! });
    const none = await gatewayChat(w.token);
    expect(none.status).toBeGreaterThanOrEqual(400);
    expect(none.json).toMatchObject({ error: expect.anything() });
  });

  it('an order must name each of the provider’s keys once', async () => {
    const w = await workspaceWithKeys('Order rules', ['', '']);
    const other = await workspaceWithKeys('Order other', ['']);
    for (const keyIds of [[w.ids[0]!], [w.ids[0]!, w.ids[0]!], [w.ids[0]!, other.ids[0]!]]) {
      await expect(w.c.keys.reorder({ workspaceId: w.workspaceId, provider: 'openai', keyIds })).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    expect((await db().providerKey.findUniqueOrThrow({ where: { id: other.ids[0]! } })).position).toBe(0);
  });

  it('fails over on out-of-credit and outages too; when every key fails, fallback follows the policy', async () => {
    // on_limits: keys out of credit → credits take over.
    const limits = await workspaceWithKeys('Limits', ['-nocredit', '-ratelimit'], 'on_limits');
    await clearFakeRequests();
    expect((await gatewayChat(limits.token)).status).toBe(200);
    expect(await lastCall(limits.workspaceId)).toMatchObject({ credentialSource: 'managed_fallback', fallbackPolicy: 'on_limits' });
    expect((await callsWithKey(limits.keys[0]!)).length).toBe(1);
    expect((await callsWithKey(limits.keys[1]!)).length).toBe(1);
    expect(finished(await run(limits)).status).toBe('succeeded');

    // on_limits: a rejected key is not a limit → the provider's own error goes back, nothing charged.
    const rejected = await workspaceWithKeys('Rejected', ['-down', '-invalid'], 'on_limits');
    const before = await getBalance(db(), rejected.workspaceId);
    await clearFakeRequests();
    const g = await gatewayChat(rejected.token);
    expect(g.status).toBe(401);
    expect(await callsWithKey(PLATFORM_OPENAI)).toEqual([]);
    expect((await callsWithKey(rejected.keys[0]!)).length).toBe(1); // the outage failed over to the next key
    expect(finished(await run(rejected))).toMatchObject({ status: 'failed', errorCode: 'invalid_key', creditsUsed: 0 });
    expect(await getBalance(db(), rejected.workspaceId)).toBe(before);

    // never: even a rate limit on the last key goes back as the provider's 429.
    const never = await workspaceWithKeys('Never', ['-ratelimit'], 'never');
    expect((await gatewayChat(never.token)).status).toBe(429);
    expect(await lastCall(never.workspaceId)).toMatchObject({ credentialSource: 'byok', status: 429, fallbackPolicy: 'never' });
  });

  // ---- rotation ----

  it('rotates without downtime: a stream in flight finishes on the old value, the next call uses the new one, each step audited', async () => {
    const w = await workspaceWithKeys('Rotate', ['']);
    const old = w.keys[0]!;
    const fresh = canaryKey('sk-proj-');
    await setFakeLatency({ chunkIntervalMs: 80, chunks: 12 });
    await clearFakeRequests();
    let streamed = '';
    try {
      const res = await fetch(`${server.base}/api/gateway/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...chat(), stream: true }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      streamed += decoder.decode((await reader.read()).value); // the call is in flight on the old value
      const rotated = await w.c.keys.rotate({ workspaceId: w.workspaceId, keyId: w.ids[0]!, apiKey: fresh });
      expect(rotated.key).toMatchObject({ id: w.ids[0], label: 'primary', status: 'active' });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        streamed += decoder.decode(value);
      }
    } finally {
      await setFakeLatency({ chunkIntervalMs: 2, chunks: 12 });
    }
    expect(streamed).toContain('[DONE]');
    expect((await callsWithKey(old)).length).toBe(1);

    await clearFakeRequests();
    expect((await gatewayChat(w.token)).status).toBe(200);
    expect(finished(await run(w)).status).toBe('succeeded');
    expect(await callsWithKey(old)).toEqual([]);
    expect((await callsWithKey(fresh)).length).toBe(2);
    // Still the Standard tier's key, under the same id.
    expect((await w.c.models.tiers({ workspaceId: w.workspaceId })).tiers[1]).toMatchObject({ choice: { keyId: w.ids[0] } });

    // A new value the provider refuses changes nothing, and the attempt is audited.
    await expect(w.c.keys.rotate({ workspaceId: w.workspaceId, keyId: w.ids[0]!, apiKey: `${canaryKey('sk-proj-')}-invalid` })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    await clearFakeRequests();
    expect((await gatewayChat(w.token)).status).toBe(200);
    expect((await callsWithKey(fresh)).length).toBe(1);
    const audit = await db().auditEvent.findMany({ where: { workspaceId: w.workspaceId, operation: { startsWith: 'key.rotate' } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => [a.operation, a.outcome])).toEqual([['key.rotate_probe', 'valid'], ['key.rotate', 'valid'], ['key.rotate_probe', 'invalid_key']]);
  });

  it('rotation is the owner’s, on a paid plan, for the workspace’s own keys', async () => {
    const w = await workspaceWithKeys('Rotate rules', ['']);
    const member = await createUser(db(), 'Rotate member');
    await db().membership.create({ data: { workspaceId: w.workspaceId, userId: member.id, role: 'member' } });
    const other = await proWorkspace(db(), 'Rotate other');
    await clearFakeRequests();
    const fresh = canaryKey('sk-proj-');
    await expect(callerFor(db(), member).keys.rotate({ workspaceId: w.workspaceId, keyId: w.ids[0]!, apiKey: fresh })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(callerFor(db(), other.owner).keys.rotate({ workspaceId: other.workspaceId, keyId: w.ids[0]!, apiKey: fresh })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await setWorkspacePlan(db(), w.workspaceId, 'free');
    await expect(w.c.keys.rotate({ workspaceId: w.workspaceId, keyId: w.ids[0]!, apiKey: fresh })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await callsWithKey(fresh)).toEqual([]); // refused before any probe
  });

  // ---- expiry ----

  it('notes an expiry date per key (at add or later) and finds the keys expiring within a window for the scheduler', async () => {
    const w = await workspaceWithKeys('Expiry', ['', '']);
    const day = 86_400_000;
    const inFive = new Date(Date.now() + 5 * day);
    const inNine = new Date(Date.now() + 9 * day);
    expect((await w.c.keys.setExpiry({ workspaceId: w.workspaceId, keyId: w.ids[0]!, expiresAt: inFive })).expiresAt).toEqual(inFive);
    const added = await w.c.keys.create({ workspaceId: w.workspaceId, provider: 'openai', label: 'third', apiKey: canaryKey('sk-proj-'), expiresAt: inNine });
    expect(added.key.expiresAt).toEqual(inNine);
    // Past dates are refused; null clears.
    await expect(w.c.keys.setExpiry({ workspaceId: w.workspaceId, keyId: w.ids[1]!, expiresAt: new Date(Date.now() - day) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const within = async (days: number) => (await keysExpiringWithin(db(), days)).filter((k) => k.workspaceId === w.workspaceId).map((k) => k.keyId);
    expect(await within(7)).toEqual([w.ids[0]]);
    expect(await within(10)).toEqual([w.ids[0], added.key.id]);
    // A date that has passed is no longer "expiring within".
    expect((await keysExpiringWithin(db(), 7, new Date(Date.now() + 6 * day))).some((k) => k.keyId === w.ids[0])).toBe(false);
    // Nothing but masked columns.
    expect(Object.keys((await keysExpiringWithin(db(), 7))[0]!).sort()).toEqual(['expiresAt', 'keyId', 'label', 'maskedHint', 'provider', 'workspaceId']);

    await w.c.keys.setExpiry({ workspaceId: w.workspaceId, keyId: w.ids[0]!, expiresAt: null });
    expect(await within(7)).toEqual([]);
    const audit = await db().auditEvent.findMany({ where: { workspaceId: w.workspaceId, operation: 'key.expiry' }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.outcome)).toEqual([inFive.toISOString().slice(0, 10), 'cleared']);
  });
});
