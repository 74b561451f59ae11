// A user's signed-in sessions, for the Account page: list them and end one. Session tokens never leave
// this module (the list is built from an explicit selection without them); a session is named by its id.
import { z } from 'zod';
import { forgetSession } from '~/server/auth';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';

export const ZSessionDto = z.object({
  id: z.string(),
  userAgent: z.string().nullable(),
  ipAddress: z.string().nullable(),
  createdAt: z.date(),
  lastActiveAt: z.date(),
  expiresAt: z.date(),
  current: z.boolean(),
});
export type SessionDto = z.infer<typeof ZSessionDto>;

// Long enough for any real browser's user agent; a longer one is cut for display.
const USER_AGENT_MAX = 512;

/** The user's unexpired sessions, the most recently active first; `current` marks the caller's own. */
export async function listSessions(db: Db, userId: string, currentSessionId: string | null | undefined): Promise<SessionDto[]> {
  const rows = await db.session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    select: { id: true, userAgent: true, ipAddress: true, createdAt: true, updatedAt: true, expiresAt: true },
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    take: 100,
  });
  return rows.map((r) => ({
    id: r.id,
    userAgent: r.userAgent ? r.userAgent.slice(0, USER_AGENT_MAX) : null,
    ipAddress: r.ipAddress,
    createdAt: r.createdAt,
    lastActiveAt: r.updatedAt,
    expiresAt: r.expiresAt,
    current: r.id === currentSessionId,
  }));
}

/**
 * Ends one of the user's other sessions at once: the row is deleted and the session evicted from this
 * process's session cache (other instances stop trusting it within SESSION_CACHE_MS). Another user's
 * session id answers "not found", like no session at all.
 */
export async function revokeSession(db: Db, userId: string, sessionId: string, currentSessionId: string | null | undefined): Promise<void> {
  if (sessionId === currentSessionId) {
    throw new AppError('BAD_REQUEST', 'This is the session you are using: sign out instead.', 'current_session');
  }
  const rows = await db.session.findMany({ where: { id: sessionId, userId }, select: { token: true } });
  if (!rows[0]) throw notFound('No such session');
  await db.session.deleteMany({ where: { id: sessionId, userId } });
  forgetSession(rows[0].token);
}
