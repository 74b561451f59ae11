// Sign-in throttling per account (src/server/services/sign-in-throttle.ts through the auth library's
// hooks), over real HTTP from several client addresses. Time is frozen and moved by hand, so the waiting
// windows are exact.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { SIGN_IN_FIRST_WAIT_SECONDS, SIGN_IN_FREE_ATTEMPTS, SIGN_IN_MAX_WAIT_SECONDS } from '~/server/services/sign-in-throttle';
import { describeEachDb } from '../helpers/db';

type Globals = { __db?: unknown; __auth?: unknown; __sessionCache?: { clear(): void } };
const globals = globalThis as unknown as Globals;
// The per-address limit of the auth library is not what is tested here.
process.env.AUTH_SIGN_IN_RATE_LIMIT = '100000';
const { serve } = await import('~/server/http/api');

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer(serve((_req, res) => res.end('page')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

type Answer = { status: number; retryAfter: string | undefined; body: { message?: string; code?: string } };

/** A sign-in from one loopback address (each address is its own client for the per-address limit). */
function signIn(from: string, email: string, password: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ email, password });
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    request({ host: '127.0.0.1', port, localAddress: from, method: 'POST', path: '/api/auth/sign-in/email', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text ? JSON.parse(text) : {} }));
    })
      .on('error', reject)
      .end(body);
  });
}

await describeEachDb('sign-in throttle per account', (getDb) => {
  let now = Date.parse('2031-01-01T00:00:00Z');
  beforeEach(() => {
    globals.__db = getDb().db;
    globals.__auth = undefined;
    globals.__sessionCache?.clear();
    vi.useFakeTimers({ toFake: ['Date'] });
    now += 24 * 3600_000; // each test a day later: no counter of an earlier test is still open
    vi.setSystemTime(now);
  });
  afterEach(() => vi.useRealTimers());
  const later = (seconds: number) => vi.setSystemTime((now += seconds * 1000));

  let n = 0;
  async function account() {
    const { getAuth } = await import('~/server/auth');
    const email = `throttle-${n++}-${Date.now()}@example.test`;
    await getAuth().api.signUpEmail({ body: { email, password: 'right-password', name: 'Owner' } });
    return email;
  }

  it('lets 5 guesses through, then refuses further guesses from every address with 429, Retry-After and a clear message', async () => {
    const email = await account();
    const statuses: number[] = [];
    let refused: Answer | undefined;
    // 25 guesses from 5 addresses (the attack that all went through with the per-address limit alone).
    for (let i = 0; i < 25; i++) {
      const r = await signIn(`127.0.1.${1 + (i % 5)}`, email, `guess-${i}`);
      statuses.push(r.status);
      if (r.status === 429) refused ??= r;
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(SIGN_IN_FREE_ATTEMPTS);
    expect(statuses.slice(SIGN_IN_FREE_ATTEMPTS).every((s) => s === 429)).toBe(true);
    expect(refused!.retryAfter).toBe(String(SIGN_IN_FIRST_WAIT_SECONDS));
    expect(refused!.body).toEqual({ code: 'SIGN_IN_THROTTLED', message: `Too many failed sign-ins for this account. Try again in ${SIGN_IN_FIRST_WAIT_SECONDS} seconds.` });
    // Even the right password waits its turn (the check would otherwise be an oracle)…
    expect((await signIn('127.0.1.9', email, 'right-password')).status).toBe(429);
    // …and other accounts are not affected.
    const other = await account();
    expect((await signIn('127.0.1.1', other, 'wrong')).status).toBe(401);
  });

  it('doubles the wait after each further failure, up to 15 minutes, never locking the account for longer', async () => {
    const email = await account();
    for (let i = 0; i < SIGN_IN_FREE_ATTEMPTS; i++) expect((await signIn('127.0.2.1', email, 'wrong')).status).toBe(401);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const refused = await signIn('127.0.2.2', email, 'wrong');
      expect(refused.status).toBe(429);
      const wait = Number(refused.retryAfter);
      waits.push(wait);
      later(wait - 1);
      expect((await signIn('127.0.2.3', email, 'wrong')).status).toBe(429); // not a second early
      later(1);
      expect((await signIn('127.0.2.3', email, 'wrong')).status).toBe(401); // one guess, then the next window
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    expect(Math.max(...waits)).toBe(SIGN_IN_MAX_WAIT_SECONDS);
    const refused = await signIn('127.0.2.4', email, 'right-password');
    expect(refused.body.message).toBe('Too many failed sign-ins for this account. Try again in 15 minutes.');

    // The owner, on another address, gets in once the current window is over…
    later(SIGN_IN_MAX_WAIT_SECONDS);
    expect((await signIn('127.0.2.5', email, 'right-password')).status).toBe(200);
    // …and a success starts the account afresh.
    for (let i = 0; i < SIGN_IN_FREE_ATTEMPTS - 1; i++) expect((await signIn('127.0.2.6', email, 'wrong')).status).toBe(401);
  });

  it('checks at most the free attempts of a burst sent at once', async () => {
    const email = await account();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(`127.0.3.${1 + (i % 4)}`, email, `burst-${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(SIGN_IN_FREE_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - SIGN_IN_FREE_ATTEMPTS);
  });

  it('counts an address in any letter case as the same account', async () => {
    const email = await account();
    for (let i = 0; i < SIGN_IN_FREE_ATTEMPTS; i++) expect((await signIn('127.0.4.1', i % 2 ? email.toUpperCase() : email, 'wrong')).status).toBe(401);
    expect((await signIn('127.0.4.2', email.toUpperCase(), 'wrong')).status).toBe(429);
  });
});
