// The short session cache in front of Better Auth: a signed-out session is refused at once, a session
// deleted elsewhere within SESSION_CACHE_MS, and nothing unverified is ever cached.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Db } from '~/server/db/connect';
import { describeEachDb } from '../helpers/db';

type Globals = { __db?: Db; __auth?: unknown; __sessionCache?: { clear(): void; size: number } };
const globals = globalThis as unknown as Globals;
const { getAuth, getSessionUser, SESSION_CACHE_MS } = await import('~/server/auth');

await describeEachDb('session cache', (getDb) => {
  beforeEach(() => {
    // The auth library reads the process's database; here, this suite's.
    globals.__db = getDb().db;
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
  });
  afterEach(() => {
    vi.useRealTimers();
    globals.__db = undefined;
    globals.__auth = undefined;
  });

  let n = 0;
  async function signedUp() {
    const email = `session-${Date.now()}-${n++}@example.test`;
    const r = await getAuth().api.signUpEmail({ body: { email, password: 'password-1234', name: 'Session' }, returnHeaders: true });
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    return { headers: new Headers({ cookie }), userId: r.response.user.id };
  }

  it('answers from the cache within its window, and stops trusting a session deleted elsewhere after it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = await signedUp();
    expect(await getSessionUser(s.headers.get('cookie'))).toMatchObject({ id: s.userId });
    // Another process revokes the session.
    await getDb().db.session.deleteMany({ where: { userId: s.userId } });
    expect(await getSessionUser(s.headers.get('cookie'))).toMatchObject({ id: s.userId });
    vi.setSystemTime(Date.now() + SESSION_CACHE_MS + 1);
    expect(await getSessionUser(s.headers.get('cookie'))).toBeNull();
  });

  it('refuses a signed-out session at once', async () => {
    const s = await signedUp();
    expect(await getSessionUser(s.headers.get('cookie'))).toMatchObject({ id: s.userId });
    await getAuth().api.signOut({ headers: s.headers });
    expect(await getSessionUser(s.headers.get('cookie'))).toBeNull();
  });

  it('does not let a cookie planted under the other session cookie name ride on a victim’s cached session', async () => {
    const victim = await signedUp();
    const victimCookie = victim.headers.get('cookie')!;
    expect(victimCookie).toMatch(/^better-auth\.session_token=/); // the name the library uses over http
    // A sibling subdomain or a plain-HTTP hop planted a cookie the library does not read; a longer cookie
    // path makes the browser send it first.
    for (const planted of ['__Secure-better-auth.session_token=attacker-chosen.value', '__Host-better-auth.session_token=attacker-chosen.value']) {
      expect(await getSessionUser(`${planted}; ${victimCookie}`)).toBeNull();
      // Whatever the first request did, the planted value alone is nobody.
      expect(await getSessionUser(planted)).toBeNull();
      expect(await getSessionUser(planted.replace(/^__(Secure|Host)-/, ''))).toBeNull();
    }
    expect(globals.__sessionCache!.size).toBe(0);
    expect(await getSessionUser(victimCookie)).toMatchObject({ id: victim.userId });
  });

  it('treats a request that carries more than one session cookie as signed out, in any order', async () => {
    const a = await signedUp();
    const b = await signedUp();
    const [ca, cb] = [a.headers.get('cookie')!, b.headers.get('cookie')!];
    expect(await getSessionUser(ca)).toMatchObject({ id: a.userId }); // cached now
    expect(await getSessionUser(`${ca}; ${cb}`)).toBeNull();
    expect(await getSessionUser(`${cb}; ${ca}`)).toBeNull();
    expect(await getSessionUser(`${ca}; ${ca}`)).toBeNull(); // the same name twice, even with one value
    expect(await getSessionUser(`other=1; ${ca}; better-auth.session_token=`)).toBeNull();
  });

  it('caches under the token the library verified, and stops at once when that session is revoked elsewhere in this process', async () => {
    const s = await signedUp();
    const cookie = s.headers.get('cookie')!;
    const user = await getSessionUser(cookie);
    expect(user).toMatchObject({ id: s.userId, sessionId: expect.any(String) });
    const session = await getDb().db.session.findUniqueOrThrow({ where: { id: user!.sessionId! } });
    expect(decodeURIComponent(cookie.split('=')[1]!).split('.')[0]).toBe(session.token);
    const { forgetSession } = await import('~/server/auth');
    await getDb().db.session.delete({ where: { id: session.id } });
    forgetSession(session.token);
    expect(await getSessionUser(cookie)).toBeNull();
  });

  it('never caches a cookie that did not verify', async () => {
    const s = await signedUp();
    const cookie = s.headers.get('cookie')!;
    const forged = new Headers({ cookie: cookie.replace(/session_token=([^.;]+)\.[^;]+/, 'session_token=$1.forged') });
    expect(await getSessionUser(forged.get('cookie'))).toBeNull();
    expect(await getSessionUser(null)).toBeNull();
    expect(globals.__sessionCache!.size).toBe(0);
    expect(await getSessionUser(s.headers.get('cookie'))).toMatchObject({ id: s.userId });
    expect(globals.__sessionCache!.size).toBe(1);
  });
});
