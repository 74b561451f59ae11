import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { callRest, createTestApp, type TestApp } from '../helpers/api-server';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { canaryKey, findCanary } from '../helpers/canary';
import { callerFor, createUser, proWorkspace, setWorkspacePlan } from '../helpers/fixtures';

const logFile = vi.hoisted(() => {
  const file = `${process.env.DATA_DIR ?? '/tmp'}/rest-test-${process.pid}.log`;
  process.env.LOG_FILE = file;
  process.env.LOG_LEVEL = 'info';
  return file;
});

const { REST_OPERATIONS } = await import('~/server/rest/routes');
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

// Each REST route as a script addresses it.
type Route = (params: Record<string, string>) => string;
const aiConfigUrl: Route = (p) => `/api/workspaces/${encodeURIComponent(p.workspaceId ?? '')}/ai-config`;
const defaultsUrl: Route = () => '/api/users/me/ai-defaults';
const api = { getAiConfig: aiConfigUrl, putAiConfig: aiConfigUrl, getAiDefaults: defaultsUrl, putAiDefaults: defaultsUrl };

await describeEachDb('REST API', (getDb) => {
  beforeEach(serveFromTestDb(getDb));
  const seen: string[] = [];

  async function send(
    route: Route,
    opts: { method: 'GET' | 'PUT'; token?: string; params?: Record<string, string>; body?: unknown; raw?: string; contentType?: string },
  ) {
    const r = await callRest(app, { ...opts, url: route(opts.params ?? {}) });
    seen.push(`${r.status} ${JSON.stringify(r.headers)} ${r.text}`);
    const headers = new Headers(Object.entries(r.headers).map(([k, v]): [string, string] => [k, String(v)]));
    return { status: r.status, headers, json: r.json };
  }

  async function tokenFor(user: { id: string; name: string; email: string }) {
    return (await callerFor(getDb().db, user).account.createToken({ name: 'ci' })).token;
  }

  it('runs the seed examples: byok with Anthropic, OpenAI and Google keys, clear, back to managed', async () => {
    const { owner, workspaceId } = await proWorkspace(getDb().db, 'REST owner');
    const token = await tokenFor(owner);
    const ai = (body: unknown) => send(api.putAiConfig, { method: 'PUT', token, params: { workspaceId }, body });

    const openaiKey = canaryKey('sk-proj-');
    const r1 = await ai({ mode: 'byok', provider: 'openai', api_key: openaiKey, model: 'gpt-4o' });
    expect(r1).toMatchObject({ status: 200, json: { mode: 'byok', provider: 'openai', model: 'gpt-4o', has_api_key: true, api_key_hint: `${openaiKey.slice(0, 4)}…${openaiKey.slice(-4)}` } });
    expect(r1.headers.get('cache-control')).toContain('no-store');

    expect((await ai({ mode: 'byok', provider: 'openai', api_key: null })).json).toEqual({
      mode: 'byok', provider: 'openai', model: 'gpt-4o', has_api_key: false, api_key_hint: null, reverted_tiers: [],
      removed_key: { provider: 'openai', label: 'primary', api_key_hint: `${openaiKey.slice(0, 4)}…${openaiKey.slice(-4)}` },
    });
    expect((await ai({ mode: 'byok', provider: 'anthropic', api_key: canaryKey('sk-ant-api03-'), model: 'claude-sonnet-4-20250514' })).json).toMatchObject({ has_api_key: true });
    expect((await ai({ mode: 'byok', provider: 'google', api_key: canaryKey('AIza'), model: 'google/gemini-2.5-pro' })).json).toMatchObject({
      provider: 'google', model: 'gemini-2.5-pro', has_api_key: true,
    });
    // Back to managed with another provider: the key the config was using (Google's) is the one that goes.
    expect((await ai({ mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514' })).json).toEqual({
      mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514', has_api_key: false, api_key_hint: null, reverted_tiers: [],
      removed_key: { provider: 'google', label: 'primary', api_key_hint: expect.stringMatching(/^AIza…/) },
    });
    expect((await send(api.getAiConfig, { method: 'GET', token, params: { workspaceId } })).json).toMatchObject({ mode: 'managed' });
  });

  it('sets user defaults that a new workspace inherits', async () => {
    const u = await createUser(getDb().db, 'REST defaults');
    await setWorkspacePlan(getDb().db, u.workspace.id, 'pro'); // a default key needs a BYOK workspace of one's own
    const token = await tokenFor(u);
    expect((await send(api.getAiDefaults, { method: 'GET', token })).json).toMatchObject({ mode: 'managed', has_api_key: false, new_workspaces: null });
    const k = canaryKey('sk-ant-api03-');
    const set = await send(api.putAiDefaults, { method: 'PUT', token, body: { mode: 'byok', provider: 'anthropic', api_key: k, model: 'claude-sonnet-4-20250514' } });
    expect(set).toMatchObject({ status: 200, json: { mode: 'byok', provider: 'anthropic', has_api_key: true } });
    // It says plainly what a new workspace (on Free) does with the key.
    expect((set.json as { new_workspaces: string }).new_workspaces).toMatch(/Free plan.*serves only once an operator moves the workspace to Pro/);
    const ws = await callerFor(getDb().db, u).workspace.create({ name: 'Inherited via REST' });
    expect((await send(api.getAiConfig, { method: 'GET', token, params: { workspaceId: ws.id } })).json).toEqual({
      mode: 'byok', provider: 'anthropic', model: 'claude-sonnet-4-20250514', has_api_key: true, api_key_hint: `${k.slice(0, 4)}…${k.slice(-4)}`,
    });
  });

  it('answers every error status of the contract, never echoing the key', async () => {
    const { owner, member, workspaceId } = await proWorkspace(getDb().db, 'REST errors');
    const free = await createUser(getDb().db, 'REST free');
    const outsider = await createUser(getDb().db, 'REST outsider');
    const [ownerToken, memberToken, freeToken, outsiderToken] = await Promise.all([owner, member, free, outsider].map(tokenFor));
    const k = canaryKey('sk-proj-');
    const put = (token: string | undefined, body: unknown, ws = workspaceId) => send(api.putAiConfig, { method: 'PUT', token, params: { workspaceId: ws }, body });
    const byok = { mode: 'byok', provider: 'openai', api_key: k, model: 'gpt-4.1-mini' };

    expect((await put(undefined, byok)).status).toBe(401);
    expect((await put('byok_pat_not-a-real-token', byok)).status).toBe(401);
    expect((await put(outsiderToken, byok)).status).toBe(404);
    expect((await put(ownerToken, byok, 'no-such-workspace')).status).toBe(404);
    expect((await put(ownerToken, byok, '../../etc/passwd')).status).toBe(404);
    expect((await put(memberToken, byok)).status).toBe(403);
    const freeRes = await put(freeToken, byok, free.workspace.id);
    expect(freeRes).toMatchObject({ status: 403, json: { error: { code: 'plan_required' } } });
    expect((await put(ownerToken, { ...byok, provider: k })).status).toBe(400);
    expect((await put(ownerToken, { ...byok, mode: 'sometimes' })).status).toBe(400);
    expect((await send(api.putAiConfig, { method: 'PUT', token: ownerToken, params: { workspaceId }, raw: `{"api_key":"${k}"` })).json).toEqual({
      error: { code: 'invalid_json', message: 'The body is not valid JSON.' },
    });
    expect((await send(api.putAiConfig, { method: 'PUT', token: ownerToken, params: { workspaceId }, raw: JSON.stringify(byok), contentType: 'text/plain' })).status).toBe(400);
    const invalid = await put(ownerToken, { ...byok, api_key: `${k}-invalid` });
    expect(invalid).toMatchObject({ status: 422, json: { error: { code: 'invalid_key' } } });
    expect((await put(ownerToken, { ...byok, api_key: `${k}-nocredit` })).json).toMatchObject({ error: { code: 'no_credit' } });
    const limited = await put(ownerToken, { ...byok, api_key: `${k}-ratelimit` });
    expect(limited.status).toBe(503);
    expect(limited.headers.get('retry-after')).toBe('2');
    for (let i = 0; i < 10; i++) await put(ownerToken, { ...byok, api_key: `${k}-invalid${i}` });
    expect((await put(ownerToken, byok)).status).toBe(429);

    // A key sent under a name the API does not know is not logged either (the log holds known fields only).
    const stray = canaryKey('sk-proj-');
    expect((await put(ownerToken, { mode: 'managed', provider: 'openai', credential: stray, notes: { nested: stray } })).status).not.toBe(500);

    // Revoked and expired tokens stop working.
    const c = callerFor(getDb().db, owner);
    const [info] = await c.account.tokens();
    await c.account.revokeToken({ tokenId: info!.id });
    expect((await put(ownerToken, byok)).status).toBe(401);
    const shortLived = await c.account.createToken({ name: 'short', expiresInDays: 1 });
    await getDb().db.personalAccessToken.update({ where: { id: shortLived.info.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await send(api.getAiConfig, { method: 'GET', token: shortLived.token, params: { workspaceId } })).status).toBe(401);

    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('"msg":"rest request"');
    expect(log).toContain('"api_key":"[REDACTED]"');
    expect(log).toContain('"unknownFields":2');
    expect(findCanary(log, stray)).toBeNull();
    for (const text of [seen.join('\n'), log]) {
      expect(findCanary(text, k)).toBeNull();
      expect(text).not.toContain(ownerToken!.slice(12));
    }
  });

  it('stores tokens only as keyed hashes and shows them once', async () => {
    const u = await createUser(getDb().db, 'Tokens');
    const c = callerFor(getDb().db, u);
    const { token, info } = await c.account.createToken({ name: 'laptop', expiresInDays: 30 });
    expect(token).toMatch(/^byok_pat_/);
    expect(info).toMatchObject({ name: 'laptop', prefix: token.slice(0, 15), revoked: false });
    expect(JSON.stringify(await c.account.tokens())).not.toContain(token.slice(15));
    const row = await getDb().db.personalAccessToken.findUniqueOrThrow({ where: { id: info.id } });
    expect(JSON.stringify(row)).not.toContain(token.slice(15));
    const { createHash } = await import('node:crypto');
    expect(Buffer.from(row.hash).equals(createHash('sha256').update(token).digest())).toBe(false);
    const other = await createUser(getDb().db, 'Other tokens');
    await expect(callerFor(getDb().db, other).account.revokeToken({ tokenId: info.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

it('publishes a valid OpenAPI 3.1 document describing every endpoint', async () => {
  const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json() as {
    openapi: string; paths: Record<string, Record<string, { responses: object }>>; components: { schemas: Record<string, unknown> };
  };
  expect(doc.openapi).toBe('3.1.0');
  const result = await new Validator().validate(doc as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(Object.keys(doc.paths).sort()).toEqual([
    '/api/users/me/ai-defaults', '/api/workspaces/{workspace_id}/ai-config', '/api/workspaces/{workspace_id}/keys',
    '/api/workspaces/{workspace_id}/keys/order', '/api/workspaces/{workspace_id}/keys/{key_id}',
    '/api/workspaces/{workspace_id}/keys/{key_id}/rotate',
    '/api/workspaces/{workspace_id}/runs', '/api/workspaces/{workspace_id}/runs/{run_id}', '/api/workspaces/{workspace_id}/runs/{run_id}/cancel',
    '/api/workspaces/{workspace_id}/runs/{run_id}/events', '/api/workspaces/{workspace_id}/runtime-tokens', '/api/workspaces/{workspace_id}/runtime-tokens/{token_id}',
    '/api/workspaces/{workspace_id}/runtime-tokens/{token_id}/monthly-credit-cap', '/api/workspaces/{workspace_id}/usage',
  ].sort());
  expect(doc.paths['/api/workspaces/{workspace_id}/ai-config']!.put!.responses).toHaveProperty('422');
  expect(doc.paths['/api/workspaces/{workspace_id}/runs']!.post!.responses).toHaveProperty('202');
  expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['AiConfig', 'AiConfigUpdateInput', 'AiConfigChange', 'Error']));
  // Every operation of the REST API, and nothing else (tRPC, the auth library and images are not in it).
  const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => (o as { operationId?: string }).operationId));
  expect(operations.sort()).toEqual(Object.keys(REST_OPERATIONS).sort());
});
