// The auth library's routes (/api/auth/*) as the server serves them, over a real socket: the body cap,
// names, the library's error output, session tokens kept out of bodies, requests with more than one
// session cookie, and the session-cache attack end to end.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { describeEachDb } from '../helpers/db';

type Globals = { __db?: unknown; __auth?: unknown; __sessionCache?: { clear(): void } };
const globals = globalThis as unknown as Globals;
// Every request here comes from one address: the auth library's per-address limit is not what is tested.
process.env.AUTH_SIGN_IN_RATE_LIMIT = '100000';
const { serve } = await import('~/server/http/api');
const { MAX_AUTH_BODY_BYTES } = await import('~/server/http/auth-route');
const { log } = await import('~/server/log');

let server: Server;
let base = '';
let port = 0;
beforeAll(async () => {
  server = createServer(serve((_req, res) => res.end('page')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Everything written to stderr (and console.error/warn) while `fn` runs. */
async function stderrDuring<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
  try {
    return { result: await fn(), stderr: lines.join('\n') };
  } finally {
    write.mockRestore();
    error.mockRestore();
    warn.mockRestore();
  }
}

/**
 * Sends `total` bytes of body in 64 KB chunks (declared up front, or chunked), and stops sending as soon
 * as the response arrives. Returns the status and how much had been sent by then.
 */
function bigUpload(path: string, total: number, declare: boolean): Promise<{ status: number; sentBeforeResponse: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(declare ? { 'content-length': String(total) } : {}) };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      answered = true;
      const at = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentBeforeResponse: at, body });
      });
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    req.write('{"email":"a@example.test","password":"');
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end('"}');
    };
    pump();
  });
}

await describeEachDb('auth routes over HTTP', (getDb) => {
  beforeEach(() => {
    globals.__db = getDb().db;
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
  });
  afterEach(() => vi.restoreAllMocks());

  let n = 0;
  const email = () => `auth-http-${Date.now()}-${n++}@example.test`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/auth${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  async function signUp(name = 'Http') {
    const r = await post('/sign-up/email', { email: email(), password: 'password-1234', name });
    expect(r.status).toBe(200);
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { cookie, user: ((await r.json()) as { user: { id: string; email: string } }).user };
  }
  const trpcGet = (path: string, cookie: string) => fetch(`${base}/api/trpc/${path}`, { headers: { cookie } });
  const trpcPost = (path: string, input: unknown, cookie: string) =>
    fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ json: input }) });

  it('refuses a 100 MB sign-in body with 413 as soon as it is announced, without reading it', async () => {
    const rss = process.memoryUsage().rss;
    const r = await bigUpload('/api/auth/sign-in/email', 100 * 1024 * 1024, true);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'payload_too_large', message: 'The request is too large.' } });
    expect(r.sentBeforeResponse).toBeLessThan(20 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(30 * 1024 * 1024);
  });

  it('stops reading an unannounced (chunked) body at the cap and answers 413 while the client is still sending', async () => {
    const rss = process.memoryUsage().rss;
    const r = await bigUpload('/api/auth/sign-up/email', 100 * 1024 * 1024, false);
    expect(r.status).toBe(413);
    expect(r.sentBeforeResponse).toBeLessThan(20 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(30 * 1024 * 1024);
    // Just over the cap is refused too; a normal request still works on a new connection.
    const over = await post('/sign-in/email', { email: email(), password: 'x'.repeat(MAX_AUTH_BODY_BYTES) });
    expect(over.status).toBe(413);
    expect((await post('/sign-in/email', { email: email(), password: 'wrong-password' })).status).toBe(401);
  });

  it('refuses names that break the name rule with a clear 400, and nothing reaches stderr', async () => {
    const cases: [string, string][] = [
      ['nul', 'Ann\u0000Lee'],
      ['too long', 'x'.repeat(61)],
      ['right-to-left override', 'Ann\u202eeL'],
      ['terminal escape', 'Ann\u001b[31mRed'],
      ['zero-width', 'An\u200bn'],
      ['empty', '   '],
    ];
    for (const [label, name] of cases) {
      const address = email();
      const { result, stderr } = await stderrDuring(async () => {
        const r = await post('/sign-up/email', { email: address, password: 'password-1234', name });
        return { status: r.status, body: (await r.json()) as { code?: string; message?: string } };
      });
      expect(result.status, label).toBe(400);
      expect(result.body.code, label).toBe('INVALID_NAME');
      expect(result.body.message, label).toMatch(/^Name: /);
      expect(stderr, label).toBe('');
      expect(await getDb().db.user.count({ where: { email: address } }), label).toBe(0);
    }
    // Trimmed, then stored; the personal workspace gets the same name.
    const ok = await signUp('  Ann Lee  ');
    expect(ok.user).toMatchObject({ name: 'Ann Lee' });
    expect((await getDb().db.user.findUniqueOrThrow({ where: { id: ok.user.id } })).name).toBe('Ann Lee');
  });

  it('applies the same rule when a user renames themselves', async () => {
    const { cookie, user } = await signUp('Before');
    for (const name of ['x'.repeat(61), 'A\u0000B', 'A\u202eB']) {
      const r = await post('/update-user', { name }, { cookie, origin: base });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { code: string }).code).toBe('INVALID_NAME');
    }
    expect((await post('/update-user', { name: ' After ' }, { cookie, origin: base })).status).toBe(200);
    expect((await getDb().db.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe('After');
  });

  it('sends the library’s unexpected errors through the logger as a 500 in our shape, never raw to stderr', async () => {
    const db = getDb().db;
    // A database failure where the library does not catch it: creating the session at sign-up.
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION explode_session() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'exploded for the test'; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER explode_session BEFORE INSERT ON "session" FOR EACH ROW WHEN (NEW."userAgent" = 'explode-please') EXECUTE FUNCTION explode_session()`);
    const logged = vi.spyOn(log, 'error');
    try {
      const { result, stderr } = await stderrDuring(async () => {
        const r = await post('/sign-up/email', { email: email(), password: 'password-1234', name: 'Boom' }, { 'user-agent': 'explode-please' });
        return { status: r.status, body: await r.text() };
      });
      expect(result.status).toBe(500);
      expect(JSON.parse(result.body)).toEqual({ error: { code: 'internal_server_error', message: 'Something went wrong' } });
      expect(stderr).toBe('');
      expect(logged).toHaveBeenCalled();
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER explode_session ON "session"`);
    }
  });

  it('keeps session tokens out of every body the library answers', async () => {
    const address = email();
    const signUpRes = await post('/sign-up/email', { email: address, password: 'password-1234', name: 'Tokens' });
    const signUpBody = await signUpRes.text();
    const cookie = signUpRes.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const signIn = await post('/sign-in/email', { email: address, password: 'password-1234' });
    const signInBody = await signIn.text();
    const tokens = (await getDb().db.session.findMany({ where: { user: { email: address } }, select: { token: true } })).map((s) => s.token);
    expect(tokens).toHaveLength(2);

    const session = await fetch(`${base}/api/auth/get-session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    const sessionBody = await session.text();
    expect(JSON.parse(sessionBody)).toMatchObject({ session: { id: expect.any(String) }, user: { email: address } });
    const list = await fetch(`${base}/api/auth/list-sessions`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const listBody = await list.text();
    expect(JSON.parse(listBody)).toHaveLength(2);
    const changed = await post('/change-password', { currentPassword: 'password-1234', newPassword: 'password-5678' }, { cookie, origin: base });
    expect(changed.status).toBe(200);
    const changedBody = await changed.text();
    const newToken = (await getDb().db.session.findFirstOrThrow({ where: { user: { email: address } }, select: { token: true } })).token;

    for (const body of [signUpBody, signInBody, sessionBody, listBody, changedBody]) {
      expect(body).not.toMatch(/"token"/);
      for (const token of [...tokens, newToken]) expect(body).not.toContain(token);
    }
  });

  it('refuses a request with more than one session cookie: 400 from the auth routes, signed out elsewhere', async () => {
    const victim = await signUp('Victim');
    const planted = '__Secure-better-auth.session_token=attacker-chosen.value';
    const both = `${planted}; ${victim.cookie}`;
    const r = await fetch(`${base}/api/auth/get-session`, { headers: { cookie: both } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('ambiguous_session');
    expect((await fetch(`${base}/api/auth/get-session`, { headers: { cookie: `${victim.cookie}; ${victim.cookie}` } })).status).toBe(400);
    expect((await trpcGet('account.me', both)).status).toBe(401);
  });

  it('deletes session cookies under the name the library does not read, so a stale one cannot block the browser', async () => {
    const victim = await signUp('Stale');
    const stale = '__Secure-better-auth.session_token=left-from-https.value';
    const expired = (r: Response) => r.headers.getSetCookie().filter((c) => /Max-Age=0/.test(c)).map((c) => c.split('=')[0]);
    // Refused when both come…
    const refused = await fetch(`${base}/api/auth/get-session`, { headers: { cookie: `${stale}; ${victim.cookie}` } });
    expect(refused.status).toBe(400);
    expect(expired(refused)).toEqual(['__Secure-better-auth.session_token']);
    expect(refused.headers.getSetCookie()[0]).toMatch(/; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$/);
    // …and cleared on the way out of a sign-in that carries only the stale one.
    const address = victim.user.email;
    const signIn = await post('/sign-in/email', { email: address, password: 'password-1234' }, { cookie: stale });
    expect(signIn.status).toBe(200);
    expect(expired(signIn)).toEqual(['__Secure-better-auth.session_token']);
    expect(signIn.headers.getSetCookie().some((c) => c.startsWith('better-auth.session_token=') && !/Max-Age=0/.test(c))).toBe(true);
    // The library's own name twice is cleared too (sign in again to recover).
    const twice = await fetch(`${base}/api/auth/get-session`, { headers: { cookie: `${victim.cookie}; ${victim.cookie}` } });
    expect(expired(twice)).toEqual(['better-auth.session_token']);
  });

  it('the session-cache attack: a planted cookie ridden on the victim’s request cannot mint a token or act as the victim', async () => {
    const victim = await signUp('Victim');
    const planted = '__Secure-better-auth.session_token=attacker-chosen.value';
    // The victim's browser sends the planted cookie first, on a request that would cache their session.
    expect((await trpcGet('account.me', `${planted}; ${victim.cookie}`)).status).toBe(401);
    // The attacker then uses the planted value alone, under either name, within the cache window.
    for (const cookie of [planted, planted.replace('__Secure-', '')]) {
      expect((await trpcGet('account.me', cookie)).status).toBe(401);
      expect((await trpcPost('account.createToken', { name: 'stolen' }, cookie)).status).toBe(401);
    }
    expect(await getDb().db.personalAccessToken.count({ where: { userId: victim.user.id } })).toBe(0);
    expect((await trpcGet('account.me', victim.cookie)).status).toBe(200);
  });

  it('sends no Strict-Transport-Security over a plain-http APP_URL (browsers ignore it there)', async () => {
    expect((await fetch(`${base}/api/nothing`)).headers.get('strict-transport-security')).toBeNull();
    expect((await fetch(`${base}/`)).headers.get('strict-transport-security')).toBeNull();
  });
});
