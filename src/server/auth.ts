import 'server-only';
import { betterAuth } from 'better-auth';
import { LRUCache } from 'lru-cache';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { readOrCreateLocalSecret } from '~/server/data-dir';
import { getDb } from '~/server/db';
import { serverEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { ensurePersonalWorkspace } from '~/server/services/workspaces';

function createAuth() {
  const env = serverEnv();
  const db = getDb();
  const signInLimit = { window: 60, max: Number(process.env.AUTH_SIGN_IN_RATE_LIMIT ?? 20) };
  return betterAuth({
    appName: 'BYOK Studio',
    baseURL: env.APP_URL,
    secret: env.BETTER_AUTH_SECRET ?? readOrCreateLocalSecret(env.DATA_DIR, 'auth-secret'),
    database: prismaAdapter(db, { provider: 'postgresql' }),
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 200,
      customRules: { '/sign-in/email': signInLimit, '/sign-up/email': signInLimit },
    },
    advanced: {
      // Session and user in one query (the Prisma adapter's join), on every authenticated request.
      database: { generateId: () => newId(), joins: true },
      // The client address for the rate limits, as the API layer passes it (clientAddressChain in http/api.ts).
      ...(env.TRUSTED_PROXIES ? { ipAddress: { trustedProxies: env.TRUSTED_PROXIES } } : {}),
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
    },
    databaseHooks: {
      session: {
        delete: {
          after: async (session) => forgetSession(session.token),
        },
      },
      user: {
        create: {
          after: async (user) => {
            await ensurePersonalWorkspace(db, { id: user.id, name: user.name });
          },
        },
      },
    },
    logger: {
      // Route the library's messages through our scrubbing logger, message text only.
      log: (level, message) => log[level]({ component: 'auth' }, message),
    },
  });
}

type Auth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { __auth?: Auth };

export function getAuth(): Auth {
  globalForAuth.__auth ??= createAuth();
  return globalForAuth.__auth;
}

export type SessionUser = { id: string; name: string; email: string };

// Sessions verified in the last few seconds, by their cookie. Every authenticated request paid for Better
// Auth's signature check and a database read (about 1.7 ms, most of a small request's cost); within
// SESSION_CACHE_MS a session seen before is trusted again. Signing out in this process evicts it at once;
// a session ended any other way (another process, revoking all of a user's sessions) stops working here
// within SESSION_CACHE_MS. Only cookies that verified are cached; memory only, bounded.
export const SESSION_CACHE_MS = 5_000;
type CachedSession = { user: SessionUser; token: string };
// Wall-clock time, read on every check (no debouncing), as the sessions' own expiry is.
const sessionCache = ((globalThis as unknown as { __sessionCache?: LRUCache<string, CachedSession> }).__sessionCache ??=
  new LRUCache<string, CachedSession>({ max: 10_000, ttl: SESSION_CACHE_MS, perf: { now: () => Date.now() }, ttlResolution: 0 }));
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?better-auth\.session_token=([^;]+)/;

function forgetSession(token: string): void {
  const cookies = [...sessionCache.entries()].filter(([, cached]) => cached.token === token).map(([cookie]) => cookie);
  for (const cookie of cookies) sessionCache.delete(cookie);
}

/** The signed-in user of a request, from its Cookie header alone (nothing else of the request is read). */
export async function getSessionUser(cookieHeader: string | null | undefined): Promise<SessionUser | null> {
  const cookies = cookieHeader ?? '';
  const cookie = SESSION_COOKIE.exec(cookies)?.[1];
  if (!cookie) return null;
  const hit = sessionCache.get(cookie);
  if (hit) return hit.user;

  const session = await getAuth().api.getSession({ headers: new Headers({ cookie: cookies }) });
  if (!session) return null;
  const user = { id: session.user.id, name: session.user.name, email: session.user.email };
  const ttl = Math.min(SESSION_CACHE_MS, new Date(session.session.expiresAt).getTime() - Date.now());
  if (ttl > 0) sessionCache.set(cookie, { user, token: session.session.token }, { ttl });
  return user;
}
