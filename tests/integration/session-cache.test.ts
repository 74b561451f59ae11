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
