import 'server-only';
import { betterAuth } from 'better-auth';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { LRUCache } from 'lru-cache';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { ZDisplayName } from '~/lib/schemas/names';
import { readOrCreateLocalSecret } from '~/server/data-dir';
import { getDb } from '~/server/db';
import { serverEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { resetSignInTurns, signInWaitMessage, takeSignInTurn } from '~/server/services/sign-in-throttle';
import { ensurePersonalWorkspace } from '~/server/services/workspaces';

/** A display name checked by the one rule for names (src/lib/schemas/names.ts), or a 400 that says why. */
function checkedName(value: unknown): string {
  const parsed = ZDisplayName.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new APIError('BAD_REQUEST', { code: 'INVALID_NAME', message: `Name: ${parsed.error.issues[0]?.message ?? 'not allowed'}` });
}

const bodyOf = (body: unknown): Record<string, unknown> | null =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;

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
    hooks: {
      // Checks on the library's own endpoints, before they do anything.
      before: createAuthMiddleware(async (ctx) => {
        const body = bodyOf(ctx.body);
        if (ctx.path === '/sign-up/email' || (ctx.path === '/update-user' && body?.name !== undefined)) {
          return { context: { body: { ...body, name: checkedName(body?.name) } } };
        }
        if (ctx.path === '/sign-in/email' && typeof body?.email === 'string') {
          const turn = await takeSignInTurn(db, body.email);
          if (!turn.allowed) {
            throw new APIError(
              'TOO_MANY_REQUESTS',
              { code: 'SIGN_IN_THROTTLED', message: signInWaitMessage(turn.retryAfterSeconds) },
              { 'Retry-After': String(turn.retryAfterSeconds) },
            );
          }
        }
        // A new password ends every other session, whatever the client asked for.
        if (ctx.path === '/change-password') return { context: { body: { ...body, revokeOtherSessions: true } } };
      }),
      after: createAuthMiddleware(async (ctx) => {
        const signedIn = ctx.context.newSession?.user.email;
        if (ctx.path === '/sign-in/email' && signedIn) await resetSignInTurns(db, signedIn);
      }),
    },
    databaseHooks: {
      session: {
        delete: {
          // Every way a session ends (sign-out, revocation, a password change) goes through here.
          after: async (session) => forgetSession(session.token),
        },
      },
      user: {
        create: {
          // The same rule for any path that creates a user, not only the sign-up endpoint.
          before: async (user) => ({ data: { ...user, name: checkedName(user.name) } }),
          after: async (user) => {
            await ensurePersonalWorkspace(db, { id: user.id, name: user.name });
          },
        },
        update: {
          before: async (user) => (user.name === undefined ? undefined : { data: { ...user, name: checkedName(user.name) } }),
        },
      },
    },
    // Unexpected errors are thrown to the API layer (http/api.ts), which logs them through our logger and
    // answers 500 in our error shape; otherwise the library's router prints them raw to stderr.
    onAPIError: { throw: true },
    logger: {
      // The library's messages through our scrubbing logger: the text, and an error's type, message and stack.
      log: (level, message, ...args) => {
        const err = args.find((a): a is Error => a instanceof Error);
        log[level]({ component: 'auth', ...(err ? { err } : {}) }, message);
      },
    },
  });
}

type Auth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { __auth?: Auth };

export function getAuth(): Auth {
  globalForAuth.__auth ??= createAuth();
  return globalForAuth.__auth;
}

export type SessionUser = {
  id: string;
  name: string;
  email: string;
  /** The session the request came with (none for personal access tokens). */
  sessionId?: string;
};

// Sessions verified in the last few seconds, by their cookie. Every authenticated request paid for Better
// Auth's signature check and a database read (about 1.7 ms, most of a small request's cost); within
// SESSION_CACHE_MS a session seen before is trusted again. Ending a session in this process (signing out,
// revoking it on the Account page, changing the password) evicts it at once; a session ended by another
// process stops working here within SESSION_CACHE_MS. Only cookies that verified are cached, under the
// cookie value the library verified; memory only, bounded.
export const SESSION_CACHE_MS = 5_000;
type CachedSession = { user: SessionUser; token: string };
// Wall-clock time, read on every check (no debouncing), as the sessions' own expiry is.
const sessionCache = ((globalThis as unknown as { __sessionCache?: LRUCache<string, CachedSession> }).__sessionCache ??=
  new LRUCache<string, CachedSession>({ max: 10_000, ttl: SESSION_CACHE_MS, perf: { now: () => Date.now() }, ttlResolution: 0 }));

// A session's "last active" time is its row's updatedAt, written at most this often.
const LAST_ACTIVE_RESOLUTION_MS = 60 * 60 * 1000;

/** Evicts a session from this process's cache (its token is what the library stores). */
export function forgetSession(token: string): void {
  const cookies = [...sessionCache.entries()].filter(([, cached]) => cached.token === token).map(([cookie]) => cookie);
  for (const cookie of cookies) sessionCache.delete(cookie);
}

// Any name a session cookie can have: the library's, with either prefix a browser protects, in any case.
// A cookie under one of the names the library does not read can still be planted (by a sibling subdomain
// or a plain-HTTP hop) and sent first.
const SESSION_COOKIE_NAME = /^(?:__secure-|__host-)?better-auth\.session_token$/i;

/** The session cookies of a Cookie header, in order, parsed as the auth library parses cookies. */
function sessionCookies(cookieHeader: string): { name: string; value: string }[] {
  const found: { name: string; value: string }[] = [];
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!SESSION_COOKIE_NAME.test(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // kept as sent, as the library does
    }
    found.push({ name, value });
  }
  return found;
}

/**
 * True when a request carries more than one session cookie (two names, or one name twice). Such a request
 * is treated as signed out: which one the browser sends first is up to whoever planted the other.
 */
export function hasAmbiguousSessionCookies(cookieHeader: string | null | undefined): boolean {
  return !!cookieHeader && sessionCookies(cookieHeader).length > 1;
}

/**
 * The session cookies of a request that a response should expire (at Path=/): any under a name the library
 * does not read (left from when APP_URL was plain http, or planted), and the library's own when it came
 * more than once. Without this, a browser that kept an old cookie would be refused on every request.
 */
export async function sessionCookiesToExpire(cookieHeader: string | null | undefined): Promise<string[]> {
  if (!cookieHeader) return [];
  const own = await sessionCookieName();
  const names = sessionCookies(cookieHeader).map((c) => c.name);
  const expire = new Set(names.filter((name) => name !== own));
  if (names.filter((name) => name === own).length > 1) expire.add(own);
  return [...expire];
}

/** The exact name the library reads the session cookie from (`__Secure-` prefixed when APP_URL is https). */
async function sessionCookieName(): Promise<string> {
  return (await getAuth().$context).authCookies.sessionToken.name;
}

/** The signed-in user of a request, from its Cookie header alone (nothing else of the request is read). */
export async function getSessionUser(cookieHeader: string | null | undefined): Promise<SessionUser | null> {
  if (!cookieHeader) return null;
  const found = sessionCookies(cookieHeader);
  if (found.length !== 1) return null;
  const [{ name, value }] = found as [{ name: string; value: string }];
  if (name !== (await sessionCookieName())) return null;
  const hit = sessionCache.get(value);
  if (hit) return hit.user;

  const session = await getAuth().api.getSession({ headers: new Headers({ cookie: cookieHeader }) });
  // The library verified exactly this cookie (the only session cookie, under its name): its token is the
  // signed value's first part. Anything else is not cached and not trusted.
  if (!session || session.session.token !== value.slice(0, value.lastIndexOf('.'))) return null;
  const user: SessionUser = { id: session.user.id, name: session.user.name, email: session.user.email, sessionId: session.session.id };
  const ttl = Math.min(SESSION_CACHE_MS, new Date(session.session.expiresAt).getTime() - Date.now());
  if (ttl > 0) sessionCache.set(value, { user, token: session.session.token }, { ttl });
  await touchSession(session.session.id, new Date(session.session.updatedAt));
  return user;
}

/** Keeps a session's last-active time to within an hour (once per session per hour, on a cache miss). */
async function touchSession(sessionId: string, updatedAt: Date): Promise<void> {
  const now = Date.now();
  if (now - updatedAt.getTime() < LAST_ACTIVE_RESOLUTION_MS) return;
  await getDb()
    .session.updateMany({ where: { id: sessionId, updatedAt: { lt: new Date(now - LAST_ACTIVE_RESOLUTION_MS) } }, data: { updatedAt: new Date(now) } })
    .catch((err: unknown) => log.warn({ err }, 'could not record a session as active'));
}
