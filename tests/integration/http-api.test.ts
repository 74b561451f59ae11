// The server's own HTTP layer (src/server/http/app.ts, Fastify) over a real socket: which handler answers, the
// headers every response carries, the guards in front of tRPC, the auth library's routes, images and
// the REST routes. Pages are a stub here; the browser tests cover them through the built server.
import { request } from 'node:http';
import { createTRPCClient, httpBatchStreamLink, TRPCClientError } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { TRPC_MAX_BATCH } from '~/lib/limits';
import type { AppRouter } from '~/server/api/root';
import { resetServerEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { startApiServer } from '../helpers/api-server';
import { describeEachDb } from '../helpers/db';
import { proWorkspace } from '../helpers/fixtures';

type Globals = { __db?: unknown; __auth?: unknown; __sessionCache?: { clear(): void } };
const globals = globalThis as unknown as Globals;
const { API_HEADERS, SECURITY_HEADERS } = await import('~/server/http/guards');

let server: Awaited<ReturnType<typeof startApiServer>>;
let base = '';
let port = 0;
let limited = 0;
const pageRequests: string[] = [];
beforeAll(async () => {
  server = await startApiServer((req, res) => {
    pageRequests.push(req.url ?? '');
    res.end('page');
  });
  port = server.port;
  base = server.base;
});
afterAll(() => server.close());

const lower = (h: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

await describeEachDb('HTTP API', (getDb) => {
  beforeEach(() => {
    globals.__db = getDb().db; // the server process's database is this suite's
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
  });

  let n = 0;
  async function signUp(): Promise<{ cookie: string; userId: string }> {
    const r = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `http-${Date.now()}-${n++}@example.test`, password: 'password-1234', name: 'Http' }),
    });
    expect(r.status).toBe(200);
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { cookie, userId: ((await r.json()) as { user: { id: string } }).user.id };
  }
  const trpcGet = (path: string, input: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers });

  it('sends pages to Next.js and everything under /api to the API, with the security headers on both', async () => {
    const page = await fetch(`${base}/w/some/studio`);
    expect(await page.text()).toBe('page');
    expect(pageRequests).toContain('/w/some/studio');
    for (const [k, v] of Object.entries(lower(SECURITY_HEADERS))) expect(page.headers.get(k)).toBe(v);

    const before = pageRequests.length;
    for (const path of ['/api', '/api/nothing-here', '/api/trpc', '/api/images']) {
      const r = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'gzip, br' } });
      expect(r.status, path).toBe(404);
      expect(await r.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
      for (const [k, v] of Object.entries(lower({ ...SECURITY_HEADERS, ...API_HEADERS }))) expect(r.headers.get(k), `${path} ${k}`).toBe(v);
      expect(r.headers.get('content-encoding')).toBeNull();
    }
    expect(pageRequests.length).toBe(before);
  });

  it('answers tRPC through the auth library’s session cookie, and refuses signed-out calls', async () => {
    expect((await trpcGet('workspace.list', undefined)).status).toBe(401);
    const { cookie } = await signUp();
    const r = await trpcGet('workspace.list', undefined, { cookie });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe(API_HEADERS['Cache-Control']);
    const list = ((await r.json()) as { result: { data: { json: { role: string }[] } } }).result.data.json;
    expect(list).toEqual([expect.objectContaining({ role: 'owner' })]);
  });

  it('refuses cross-site, non-JSON, oversized and non-GET/POST tRPC calls before running them', async () => {
    const { cookie, userId } = await signUp();
    const count = () => getDb().db.membership.count({ where: { userId } });
    const created = await count();
    const create = (headers: Record<string, string>, body = JSON.stringify({ json: { name: 'Evil' } })) =>
      fetch(`${base}/api/trpc/workspace.create`, { method: 'POST', headers: { cookie, ...headers }, body });

    expect((await create({ 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403);
    // A forwarded host is only believed from a trusted proxy (there is none here).
    expect((await create({ 'content-type': 'application/json', origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' })).status).toBe(403);
    expect((await create({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await create({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await create({ 'content-type': 'application/json' }, JSON.stringify({ json: { name: 'x'.repeat(300_000) } }))).status).toBe(413);
    const put = await fetch(`${base}/api/trpc/workspace.create`, { method: 'PUT', headers: { cookie } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(await count()).toBe(created);

    expect((await create({ 'content-type': 'application/json', origin: base })).status).toBe(200);
    expect(await count()).toBe(created + 1);
  });

  it('serves generated images to members of their workspace only', async () => {
    const db = getDb().db;
    const { workspaceId, owner } = await proWorkspace(db, 'Images');
    const { cookie: outsider } = await signUp();
    const runId = newId();
    await db.generationRun.create({ data: { id: runId, workspaceId, actorId: owner.id, prompt: 'p', imageCount: 1, aspectRatio: '1:1', status: 'succeeded' } });
    const imageId = newId();
    await db.generatedImage.create({ data: { id: imageId, runId, workspaceId, mimeType: 'image/png', data: new Uint8Array([137, 80, 78, 71]) } });
    // The owner's session, made by the auth library for an existing user.
    const { getAuth } = await import('~/server/auth');
    await db.account.create({ data: { id: newId(), accountId: owner.id, providerId: 'credential', userId: owner.id, password: await (await import('better-auth/crypto')).hashPassword('password-1234') } });
    const signIn = await getAuth().api.signInEmail({ body: { email: owner.email, password: 'password-1234' }, returnHeaders: true });
    const ownerCookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

    expect((await fetch(`${base}/api/images/${imageId}`)).status).toBe(401);
    expect((await fetch(`${base}/api/images/${imageId}`, { headers: { cookie: outsider } })).status).toBe(404);
    expect((await fetch(`${base}/api/images/not%20an%20id`, { headers: { cookie: ownerCookie } })).status).toBe(404);
    expect((await fetch(`${base}/api/images/${imageId}`, { method: 'POST', headers: { cookie: ownerCookie } })).status).toBe(405);
    const ok = await fetch(`${base}/api/images/${imageId}`, { headers: { cookie: ownerCookie } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect([...new Uint8Array(await ok.arrayBuffer())]).toEqual([137, 80, 78, 71]);
  });

  it('rate-limits sign-in per client address, whatever X-Forwarded-For the client sends', async () => {
    process.env.AUTH_SIGN_IN_RATE_LIMIT = '2';
    resetServerEnv();
    globals.__auth = undefined; // the limit is read when the auth library is set up
    try {
      // A client at `from` (a loopback address of its own).
      const attempt = (from: string, forwardedFor?: string) =>
        new Promise<{ status: number }>((resolve, reject) => {
          const body = JSON.stringify({ email: 'nobody@example.test', password: 'wrong-password' });
          const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) };
          request({ host: '127.0.0.1', port, localAddress: from, method: 'POST', path: '/api/auth/sign-in/email', headers }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          }).on('error', reject).end(body);
        });
      // Two loopback addresses this run has not used (the limiter's memory outlives the auth instance).
      const [one, other] = [`127.0.0.${10 + 2 * limited}`, `127.0.0.${11 + 2 * limited++}`];
      expect((await attempt(one)).status).toBe(401);
      expect((await attempt(one, '203.0.113.9')).status).toBe(401);
      // A forged header does not open a fresh bucket…
      expect((await attempt(one, '198.51.100.1')).status).toBe(429);
      // …and one client's attempts do not lock out another.
      expect((await attempt(other)).status).toBe(401);
    } finally {
      delete process.env.AUTH_SIGN_IN_RATE_LIMIT;
      resetServerEnv();
      globals.__auth = undefined;
    }
  });

  it('passes the connecting address on, after the chain of trusted proxies only when it is one', async () => {
    const { clientAddressChain } = await import('~/server/http/routes/auth');
    const req = (forwardedFor?: string) => ({ headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, socket: { remoteAddress: '10.0.0.5' } }) as never;
    expect(clientAddressChain(req('203.0.113.9'), [])).toBe('10.0.0.5');
    expect(clientAddressChain(req(), ['10.0.0.0/8'])).toBe('10.0.0.5');
    expect(clientAddressChain(req('203.0.113.9, 10.0.0.4'), ['10.0.0.0/8'])).toBe('203.0.113.9, 10.0.0.4, 10.0.0.5');
    expect(clientAddressChain(req('203.0.113.9'), ['192.168.0.0/16'])).toBe('10.0.0.5');
  });

  it('routes the REST API by method and path, with its own errors', async () => {
    expect((await fetch(`${base}/api/users/me/ai-defaults`)).status).toBe(401);
    const wrongMethod = await fetch(`${base}/api/users/me/ai-defaults`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, PUT');
    expect((await fetch(`${base}/api/workspaces/%E0%A4%A/ai-config`)).status).toBe(404); // malformed escape
    const r = await fetch(`${base}/api/workspaces/any/ai-config`, { headers: { authorization: 'Bearer byok_pat_nope' } });
    expect(r.status).toBe(401);
    expect(r.headers.get('cache-control')).toBe(API_HEADERS['Cache-Control']);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const doc = await fetch(`${base}/api/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
  });

  /** A tRPC batch of `count` calls to one procedure, as a client's batching link would send it. */
  function batch(path: string, inputs: unknown[], cookie: string) {
    const body = Object.fromEntries(inputs.map((input, i) => [String(i), { json: input }]));
    return fetch(`${base}/api/trpc/${inputs.map(() => path).join(',')}?batch=1`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
  async function creditsOf(userId: string) {
    const owned = await getDb().db.workspace.findMany({ where: { memberships: { some: { userId, role: 'owner' } } }, select: { creditBalance: true } });
    return { workspaces: owned.length, credits: owned.reduce((sum, w) => sum + w.creditBalance, 0) };
  }

  it('refuses a batch of 40 workspace creations with a clear 400, and free credits are granted once per user', async () => {
    const { cookie, userId } = await signUp();
    expect(await creditsOf(userId)).toEqual({ workspaces: 1, credits: 250 });

    // The attack of the review: one request, 40 creations, 40 × 250 free credits.
    const names = Array.from({ length: 40 }, (_, i) => ({ name: `Farm ${i}` }));
    const attack = await batch('workspace.create', names, cookie);
    expect(attack.status).toBe(400);
    expect(JSON.stringify(await attack.json())).toMatch(/Batch call exceeds maximum size/);
    expect(await creditsOf(userId)).toEqual({ workspaces: 1, credits: 250 });

    // The largest batch the client sends goes through; the new workspaces start without free credits.
    const allowed = await batch('workspace.create', names.slice(0, TRPC_MAX_BATCH), cookie);
    expect(allowed.status).toBe(200);
    expect(await creditsOf(userId)).toEqual({ workspaces: 1 + TRPC_MAX_BATCH, credits: 250 });
  });

  it('refuses a prompt holding a NUL byte with 400 and reserves nothing', async () => {
    const { cookie, userId } = await signUp();
    const [ws] = await getDb().db.workspace.findMany({ where: { memberships: { some: { userId } } } });
    const r = await fetch(`${base}/api/trpc/generation.start`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { workspaceId: ws!.id, prompt: 'a fox\u0000 learns', imageCount: 1 } }),
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).not.toContain('fox');
    expect(await creditsOf(userId)).toEqual({ workspaces: 1, credits: 250 });
    expect(await getDb().db.creditReservation.count({ where: { workspaceId: ws!.id } })).toBe(0);
  });

  it('answers refused runs over the streaming link with their code, reason and details, and logs no error', async () => {
    const { cookie, userId } = await signUp();
    const db = getDb().db;
    const [ws] = await db.workspace.findMany({ where: { memberships: { some: { userId } } } });
    await db.workspace.update({ where: { id: ws!.id }, data: { creditBalance: 1 } });
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchStreamLink({ url: `${base}/api/trpc`, transformer: superjson, headers: { cookie } })],
    });
    const refusal = async (input: Parameters<typeof client.generation.start.mutate>[0]) => {
      try {
        await client.generation.start.mutate(input);
      } catch (e) {
        return e;
      }
      throw new Error('the run was not refused');
    };
    const errors = vi.spyOn(log, 'error');
    try {
      const poor = await refusal({ workspaceId: ws!.id, prompt: 'A fox', imageCount: 2 });
      expect(poor).toBeInstanceOf(TRPCClientError);
      expect(poor).toMatchObject({
        message: expect.stringMatching(/Not enough credits: this run needs up to \d+ and the workspace has 1\./),
        data: { code: 'PAYMENT_REQUIRED', httpStatus: 402, reason: 'insufficient_credits', details: { balance: 1, required: expect.any(Number) } },
      });

      const free = await refusal({ workspaceId: ws!.id, prompt: 'A fox', imageCount: 0, choice: { source: 'byok', keyId: 'k1', modelId: 'gpt-4.1-mini' } });
      expect(free).toMatchObject({
        message: expect.stringMatching(/Pro, Ultra, Enterprise/),
        data: { code: 'FORBIDDEN', httpStatus: 403, reason: 'plan_required' },
      });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    expect((await db.workspace.findUniqueOrThrow({ where: { id: ws!.id } })).creditBalance).toBe(1);
  });
});
