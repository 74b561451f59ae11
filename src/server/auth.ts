import 'server-only';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { nextCookies } from 'better-auth/next-js';
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
      database: { generateId: () => newId() },
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
    },
    databaseHooks: {
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
    plugins: [nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { __auth?: Auth };

export function getAuth(): Auth {
  globalForAuth.__auth ??= createAuth();
  return globalForAuth.__auth;
}

export type SessionUser = { id: string; name: string; email: string };

export async function getSessionUser(headers: Headers): Promise<SessionUser | null> {
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  return { id: session.user.id, name: session.user.name, email: session.user.email };
}
