// A deployment whose APP_URL is https: the auth library then names its session cookie
// `__Secure-better-auth.session_token`, and every response carries Strict-Transport-Security. The
// session-cache attack in this orientation: a cookie planted under the plain name, sent first.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';

process.env.APP_URL = 'https://app.example.test';

type Globals = { __db?: unknown; __auth?: unknown; __sessionCache?: { clear(): void; size: number } };
const globals = globalThis as unknown as Globals;
const { getAuth, getSessionUser } = await import('~/server/auth');
const { serve } = await import('~/server/http/api');
const { HSTS } = await import('~/server/http/guards');

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer(serve((_req, res) => res.end('page')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

await describeEachDb('https deployment', (getDb) => {
  beforeEach(() => {
    globals.__db = getDb().db;
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
  });

  let n = 0;
  async function signedUp() {
    const email = `https-${Date.now()}-${n++}@example.test`;
    const r = await getAuth().api.signUpEmail({ body: { email, password: 'password-1234', name: 'Secure' }, returnHeaders: true });
    return { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), userId: r.response.user.id };
  }

  it('reads the session only under the __Secure- name, and a planted plain-name cookie sent first takes nothing over', async () => {
    const victim = await signedUp();
    expect(victim.cookie).toMatch(/^__Secure-better-auth\.session_token=/);
    const planted = 'better-auth.session_token=attacker-chosen.value';
    expect(await getSessionUser(`${planted}; ${victim.cookie}`)).toBeNull();
    expect(await getSessionUser(planted)).toBeNull();
    expect(await getSessionUser(`__Secure-${planted}`)).toBeNull();
    expect(globals.__sessionCache!.size).toBe(0);
    // A valid session cookie under the name the library does not read is not a session either.
    expect(await getSessionUser(victim.cookie.replace(/^__Secure-/, ''))).toBeNull();
    expect(await getSessionUser(victim.cookie)).toMatchObject({ id: victim.userId });
  });

  it('sends Strict-Transport-Security on pages and API responses', async () => {
    for (const path of ['/', '/sign-in', '/api/nothing', '/api/auth/get-session']) {
      const r = await fetch(`${base}${path}`);
      expect(r.headers.get('strict-transport-security'), path).toBe(HSTS);
    }
    expect(HSTS).toMatch(/max-age=31536000/);
  });
});
