// The gateway's rules over plain HTTP (issue 17): which credential serves a call, managed billing to the
// credit, the balance under concurrent managed calls, the Free plan, a mode switch on the very next call,
// what passes upstream and back (allow-lists, the body unchanged), hostile input, and keys that never leak.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { flushCalls } from '~/server/gateway/calls';
import { changingConfig } from '~/server/db/config-changes';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { textCredits } from '~/server/services/pricing';
import { sealProviderKey } from '~/server/vault/envelope';
import { startApiServer } from '../helpers/api-server';
import { canaryKey, findCanary } from '../helpers/canary';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { callsWithKey, clearFakeRequests, fakeRequests, keyFingerprint } from '../helpers/fake-providers';
import { callerFor, createUser, dumpDatabaseText, proWorkspace } from '../helpers/fixtures';

const logFile = vi.hoisted(() => {
  const file = `${process.env.DATA_DIR ?? '/tmp'}/gateway-test-${process.pid}.log`;
  process.env.LOG_FILE = file;
  process.env.LOG_LEVEL = 'info';
  return file;
});

let server: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(() => server.close());

const PLATFORM_OPENAI = process.env.PLATFORM_OPENAI_API_KEY!;

/** A request whose path is sent exactly as written (fetch would resolve `..` before sending). */
function rawStatus(method: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(chat());
    request({ host: '127.0.0.1', port: server.port, method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end(body);
  });
}

type Call = { status: number; headers: Headers; text: string; json: unknown };
async function call(path: string, token: string | null, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Call> {
  const res = await fetch(`${server.base}/api/gateway/${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // a stream
  }
  return { status: res.status, headers: res.headers, text, json };
}

const chat = (model = 'gpt-4.1-mini', extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'A fox in one line.' }], ...extra });

await describeEachDb('workspace AI gateway', (getDb) => {
  const db = () => getDb().db;
  beforeEach(serveFromTestDb(getDb));

  async function workspaceWithToken(opts: { name: string; plan?: 'free' | 'pro'; openaiKey?: string; mode?: 'byok' | 'managed'; credits?: number }) {
    const { owner, workspaceId } = opts.plan === 'free' ? await (async () => { const o = await createUser(db(), opts.name); return { owner: o, workspaceId: o.workspace.id }; })() : await proWorkspace(db(), opts.name);
    if (opts.openaiKey) await callerFor(db(), owner).models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', apiKey: opts.openaiKey, model: 'gpt-4.1-mini' });
    if (opts.mode === 'managed') await callerFor(db(), owner).models.setAiConfig({ workspaceId, mode: 'managed', provider: 'openai', model: 'gpt-4.1-mini' });
    if (opts.credits !== undefined) await db().workspace.update({ where: { id: workspaceId }, data: { creditBalance: opts.credits } });
    const ws = { id: workspaceId, role: 'owner' as const };
    const { token, info } = await createRuntimeToken({ db: db(), actor: owner, workspace: ws }, { label: 'tests' });
    return { owner, workspaceId, token, tokenId: info.id, ws };
  }
  const balance = async (workspaceId: string) => (await db().workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { creditBalance: true } })).creditBalance;

  it('charges managed calls the catalog price of the usage the provider reported, and byok calls nothing', async () => {
    const w = await workspaceWithToken({ name: 'Managed billing', mode: 'managed', credits: 1000 });
    const startedAt = new Date();
    const price = await db().platformModel.findUniqueOrThrow({ where: { id: 'openai:gpt-4.1-mini' } });
    const r = await call('openai/v1/chat/completions', w.token, { body: chat() });
    expect(r.status, r.text).toBe(200);
    const usage = (r.json as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const expected = textCredits({ in: price.creditsPer1kInput, out: price.creditsPer1kOutput }, usage.prompt_tokens, usage.completion_tokens);
    // Settled just after the answer ends.
    await expect.poll(() => balance(w.workspaceId)).toBe(1000 - expected);
    // The platform's key served it.
    expect((await callsWithKey(PLATFORM_OPENAI)).length).toBeGreaterThan(0);

    // Streamed: the usage the caller never asked for still meters the call.
    const before = await balance(w.workspaceId);
    const s = await call('openai/v1/chat/completions', w.token, { body: chat('gpt-4.1-mini', { stream: true }) });
    expect(s.status).toBe(200);
    expect(s.text).not.toContain('"usage"');
    await expect.poll(() => balance(w.workspaceId)).toBe(before - expected);

    // Embeddings and search on credits too.
    const e = await call('openai/v1/embeddings', w.token, { body: { model: 'text-embedding-3-small', input: 'a fox' } });
    expect(e.status).toBe(200);
    const brave = await fetch(`${server.base}/api/gateway/brave/res/v1/web/search?q=fox`, { headers: { 'x-subscription-token': w.token } });
    expect(brave.status).toBe(200);
    await expect.poll(async () => db().creditReservation.count({ where: { workspaceId: w.workspaceId, status: 'held' } })).toBe(0);
    await flushCalls(db());
    const records = await db().gatewayCall.findMany({ where: { workspaceId: w.workspaceId }, orderBy: { createdAt: 'asc' } });
    expect(records.map((c) => [c.operation, c.credentialSource, c.credits > 0])).toEqual([
      ['chat', 'managed', true], ['chat', 'managed', true], ['embeddings', 'managed', true], ['search', 'managed', true],
    ]);
    // The ledger moved exactly as the balance did.
    const ledger = await db().creditLedger.aggregate({ where: { workspaceId: w.workspaceId, createdAt: { gt: startedAt } }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe((await balance(w.workspaceId)) - 1000);
  });

  it('keeps the balance exact and never negative under 30 concurrent managed calls', async () => {
    const w = await workspaceWithToken({ name: 'Managed race', mode: 'managed', credits: 0 });
    // Enough for a few calls' maximum (the reservation), not for 30.
    const price = await db().platformModel.findUniqueOrThrow({ where: { id: 'openai:gpt-4.1-mini' } });
    const body = chat('gpt-4.1-mini', { max_completion_tokens: 50 });
    const perCall = textCredits({ in: price.creditsPer1kInput, out: price.creditsPer1kOutput }, Buffer.byteLength(JSON.stringify(body)) + 16, 50);
    await db().workspace.update({ where: { id: w.workspaceId }, data: { creditBalance: perCall * 5 } });
    const startedAt = new Date();
    const results = await Promise.all(Array.from({ length: 30 }, () => call('openai/v1/chat/completions', w.token, { body })));
    await expect.poll(async () => db().creditReservation.count({ where: { workspaceId: w.workspaceId, status: 'held' } })).toBe(0);
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    expect(ok + refused.length).toBe(30);
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(refused.every((r) => (r.json as { error: { code: string } }).error.code === 'insufficient_credits')).toBe(true);
    const final = await balance(w.workspaceId);
    expect(final).toBeGreaterThanOrEqual(0);
    // Every change of the balance is in the ledger: reservations, charges and releases add up to it.
    const ledger = await db().creditLedger.aggregate({ where: { workspaceId: w.workspaceId, createdAt: { gt: startedAt } }, _sum: { amount: true } });
    expect(final).toBe(perCall * 5 + (ledger._sum.amount ?? 0));
  });

  it('gives a Free workspace managed calls only, and says why byok is refused', async () => {
    const w = await workspaceWithToken({ name: 'Free gateway', plan: 'free' });
    expect((await call('openai/v1/chat/completions', w.token, { body: chat() })).status).toBe(200); // managed on its free credits
    // A byok config left over (e.g. inherited defaults) is not served on Free.
    await changingConfig(db(), w.workspaceId, () =>
      db().tierDefault.upsert({
        where: { workspaceId_tier: { workspaceId: w.workspaceId, tier: 'standard' } },
        create: { workspaceId: w.workspaceId, tier: 'standard', source: 'byok', provider: 'openai', modelId: 'gpt-4.1-mini' },
        update: { source: 'byok' },
      }),
    );
    const r = await call('openai/v1/chat/completions', w.token, { body: chat() });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ error: { type: 'permission_error', code: 'plan_required', message: expect.stringMatching(/Pro, Ultra, Enterprise/) } });
  });

  it('follows a mode switch on the very next call', async () => {
    const key = canaryKey('sk-proj-');
    const w = await workspaceWithToken({ name: 'Switch', openaiKey: key, credits: 1000 });
    await clearFakeRequests();
    expect((await call('openai/v1/chat/completions', w.token, { body: chat() })).status).toBe(200);
    expect((await fakeRequests()).at(-1)?.keyFingerprint).toBe(keyFingerprint(key));
    const c = callerFor(db(), w.owner);
    await c.models.setAiConfig({ workspaceId: w.workspaceId, mode: 'managed', provider: 'openai', model: 'gpt-4.1-mini' });
    expect((await call('openai/v1/chat/completions', w.token, { body: chat() })).status).toBe(200);
    expect((await fakeRequests()).at(-1)?.keyFingerprint).toBe(keyFingerprint(PLATFORM_OPENAI));
    const again = canaryKey('sk-proj-');
    await c.models.setAiConfig({ workspaceId: w.workspaceId, mode: 'byok', provider: 'openai', apiKey: again, model: 'gpt-4.1-mini' });
    expect((await call('openai/v1/chat/completions', w.token, { body: chat() })).status).toBe(200);
    expect((await fakeRequests()).at(-1)?.keyFingerprint).toBe(keyFingerprint(again));
  });

  it('passes the body upstream unchanged and only the allowed headers each way', async () => {
    const key = canaryKey('sk-proj-');
    const w = await workspaceWithToken({ name: 'Allow-lists', openaiKey: key });
    await clearFakeRequests();
    const body = JSON.stringify(chat('gpt-4.1-mini', { temperature: 0.3, user: 'tester' }));
    const r = await call('openai/v1/chat/completions', w.token, {
      body,
      headers: { cookie: 'session=abc', 'x-forwarded-for': '10.9.9.9', 'openai-organization': 'org-attacker', 'x-stainless-lang': 'js', 'openai-beta': 'assistants=v2' },
    });
    expect(r.status).toBe(200);
    const [upstream] = await fakeRequests();
    expect(upstream!.bodyFingerprint).toBe(createHash('sha256').update(body).digest('hex').slice(0, 16));
    expect(upstream!.headerNames).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-stainless-lang', 'openai-beta']));
    for (const h of ['cookie', 'x-forwarded-for', 'openai-organization', 'x-forwarded-host']) expect(upstream!.headerNames).not.toContain(h);
    expect(upstream!.keyFingerprint).toBe(keyFingerprint(key));
    for (const h of ['set-cookie', 'openai-organization', 'openai-project']) expect(r.headers.get(h)).toBeNull();
    expect(r.headers.get('x-request-id')).toMatch(/^req_/);
    expect(r.headers.get('cache-control')).toContain('no-store');
  });

  it('refuses hostile input in the provider’s own shape before anything reaches a provider', async () => {
    const w = await workspaceWithToken({ name: 'Hostile', openaiKey: canaryKey('sk-proj-') });
    await clearFakeRequests();
    expect((await call('openai/v1/files', w.token, { body: {} })).status).toBe(404);
    expect(await rawStatus('POST', '/api/gateway/openai/v1/../v1/chat/completions', w.token)).toBe(404);
    expect((await call('nope/v1/chat/completions', w.token, { body: chat() })).status).toBe(404);
    expect((await call('openai/v1/chat/completions?user=x', w.token, { body: chat() })).status).toBe(400);
    expect((await call('openai/v1/chat/completions', w.token, { body: '{"model":' })).status).toBe(400);
    expect((await call('openai/v1/chat/completions', w.token, { body: chat('../../anthropic/v1/x') })).status).toBe(400);
    const big = await call('openai/v1/chat/completions', w.token, { body: chat('gpt-4.1-mini', { pad: 'x'.repeat(11 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    // A key (or the token) in a URL ends up in logs: refused, whatever the provider.
    const google = await fetch(`${server.base}/api/gateway/google/v1beta/models/gemini-2.5-flash:generateContent?key=${w.token}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    expect(google.status).toBe(400);
    expect(await google.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
    const traversal = await fetch(`${server.base}/api/gateway/google/v1beta/models/..%2F..%2Fanthropic:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': w.token }, body: '{}',
    });
    expect([400, 404]).toContain(traversal.status);
    expect(await fakeRequests()).toEqual([]);
  });

  it('never lets a key out: not in answers (even a provider echoing it), headers, call records or logs', async () => {
    const echo = `${canaryKey('sk-proj-')}`;
    const w = await workspaceWithToken({ name: 'Leaks', openaiKey: canaryKey('sk-proj-') });
    // The provider's own error comes back (platform credits may not take over here).
    await db().workspace.update({ where: { id: w.workspaceId }, data: { fallbackPolicy: 'never' } });
    // The stored key starts echoing (as a provider that prints the key in its error would).
    const row = await db().providerKey.findFirstOrThrow({ where: { workspaceId: w.workspaceId, provider: 'openai' } });
    const echoing = `${echo}-echo`;
    await db().providerKey.update({ where: { id: row.id }, data: await sealProviderKey({ workspaceId: w.workspaceId, provider: 'openai', keyId: row.id }, echoing) });
    const a = await call('openai/v1/chat/completions', w.token, { body: chat() });
    expect(a.status).toBe(401);
    const masked = `${echo}-invalid`;
    await db().providerKey.update({ where: { id: row.id }, data: await sealProviderKey({ workspaceId: w.workspaceId, provider: 'openai', keyId: row.id }, masked) });
    const b = await call('openai/v1/chat/completions', w.token, { body: chat() });
    expect(b.status).toBe(401);
    expect(b.json).toMatchObject({ error: { code: 'invalid_api_key' } });
    await flushCalls(db());
    const everything = [a, b].map((r) => `${r.text} ${JSON.stringify([...r.headers])}`).join('\n');
    expect(findCanary(everything, echo)).toBeNull();
    expect(everything).not.toMatch(/\*{3,}/);
    expect(findCanary(await dumpDatabaseText(db()), echo)).toBeNull();
    expect(findCanary(readFileSync(logFile, 'utf8'), echo)).toBeNull();
    // The rejected key shows as failing.
    expect((await db().providerKey.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('failing');
  });
});
