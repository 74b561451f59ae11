// A user's sessions: changing the password ends the others (whatever the client asks), the Account
// page's list (never a token) and revoking one, each effective at once in this process's session cache.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createCaller } from '~/server/api/root';
import { createInnerContext } from '~/server/api/trpc';
import type { Db } from '~/server/db/connect';
import { describeEachDb } from '../helpers/db';

type Globals = { __db?: Db; __auth?: unknown; __sessionCache?: { clear(): void } };
const globals = globalThis as unknown as Globals;
const { getAuth, getSessionUser } = await import('~/server/auth');

await describeEachDb('account sessions', (getDb) => {
  beforeEach(() => {
    globals.__db = getDb().db;
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
  });
  afterEach(() => vi.useRealTimers());

  const cookieOf = (headers: Headers) => headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  let n = 0;
  /** One account signed in on two devices. */
  async function twoDevices() {
    const email = `sessions-${Date.now()}-${n++}@example.test`;
    const up = await getAuth().api.signUpEmail({
      body: { email, password: 'password-1234', name: 'Sessions' },
      headers: new Headers({ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36' }),
      returnHeaders: true,
    });
    const other = await getAuth().api.signInEmail({
      body: { email, password: 'password-1234' },
      headers: new Headers({ 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1' }),
      returnHeaders: true,
    });
    return { email, userId: up.response.user.id, laptop: cookieOf(up.headers), phone: cookieOf(other.headers) };
  }
  const callerWith = async (cookie: string) => createCaller(createInnerContext({ db: getDb().db, user: await getSessionUser(cookie) }));

  it('ends every other session when the password changes, even when the client asks to keep them', async () => {
    const d = await twoDevices();
    expect(await getSessionUser(d.phone)).toMatchObject({ id: d.userId }); // cached in this process
    const changed = await getAuth().api.changePassword({
      body: { currentPassword: 'password-1234', newPassword: 'password-5678', revokeOtherSessions: false },
      headers: new Headers({ cookie: d.laptop }),
      returnHeaders: true,
    });
    expect(await getSessionUser(d.phone)).toBeNull();
    expect(await getSessionUser(d.laptop)).toBeNull(); // the laptop's old cookie too: it has a new one
    const fresh = cookieOf(changed.headers);
    expect(await getSessionUser(fresh)).toMatchObject({ id: d.userId });
    expect(await getDb().db.session.count({ where: { userId: d.userId } })).toBe(1);
    // The old password no longer works; the new one does.
    await expect(getAuth().api.signInEmail({ body: { email: d.email, password: 'password-1234' } })).rejects.toMatchObject({ statusCode: 401 });
    await expect(getAuth().api.signInEmail({ body: { email: d.email, password: 'password-5678' } })).resolves.toBeTruthy();
  });

  it('lists the user’s sessions with device, times and the caller’s own marked, and never a token', async () => {
    const d = await twoDevices();
    const sessions = await (await callerWith(d.laptop)).account.sessions();
    expect(sessions).toHaveLength(2);
    const current = sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]!.userAgent).toContain('Linux');
    expect(sessions.find((s) => !s.current)!.userAgent).toContain('iPhone');
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ipAddress', 'lastActiveAt', 'userAgent']);
      expect(s.lastActiveAt).toBeInstanceOf(Date);
    }
    const tokens = (await getDb().db.session.findMany({ where: { userId: d.userId }, select: { token: true } })).map((s) => s.token);
    const text = JSON.stringify(sessions);
    for (const token of tokens) expect(text).not.toContain(token);
    // Another user sees only their own.
    const stranger = await twoDevices();
    const theirs = await (await callerWith(stranger.laptop)).account.sessions();
    expect(theirs.map((s) => s.id).some((id) => sessions.some((s) => s.id === id))).toBe(false);
  });

  it('revokes another session at once, and refuses the current one and other users’ sessions', async () => {
    const d = await twoDevices();
    expect(await getSessionUser(d.phone)).toMatchObject({ id: d.userId }); // cached in this process
    const laptop = await callerWith(d.laptop);
    const [phone] = (await laptop.account.sessions()).filter((s) => !s.current);
    await laptop.account.revokeSession({ sessionId: phone!.id });
    expect(await getSessionUser(d.phone)).toBeNull();
    expect((await laptop.account.sessions()).map((s) => s.current)).toEqual([true]);

    const [own] = await laptop.account.sessions();
    await expect(laptop.account.revokeSession({ sessionId: own!.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const stranger = await twoDevices();
    const [strangers] = await (await callerWith(stranger.laptop)).account.sessions();
    await expect(laptop.account.revokeSession({ sessionId: strangers!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(laptop.account.revokeSession({ sessionId: 'no-such-session' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await getSessionUser(stranger.laptop)).toMatchObject({ id: stranger.userId });
    expect(await getSessionUser(d.laptop)).toMatchObject({ id: d.userId });
  });

  it('records a session as active at most once an hour, when it is used', async () => {
    const d = await twoDevices();
    const user = await getSessionUser(d.phone);
    const id = user!.sessionId!;
    const db = getDb().db;
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await db.session.update({ where: { id }, data: { updatedAt: twoHoursAgo } });
    globals.__sessionCache!.clear();
    await getSessionUser(d.phone);
    const touched = (await db.session.findUniqueOrThrow({ where: { id } })).updatedAt;
    expect(touched.getTime()).toBeGreaterThan(Date.now() - 60_000);
    // Within the hour nothing is written again.
    const halfHourAgo = new Date(Date.now() - 1800_000);
    await db.session.update({ where: { id }, data: { updatedAt: halfHourAgo } });
    globals.__sessionCache!.clear();
    await getSessionUser(d.phone);
    expect((await db.session.findUniqueOrThrow({ where: { id } })).updatedAt.getTime()).toBe(halfHourAgo.getTime());
  });
});
