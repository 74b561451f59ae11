import 'server-only';
// REST requests authenticate with a personal access token (`Authorization: Bearer byok_pat_…`); the actor
// carries its prefix, so audit rows can name the token that acted.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '~/server/actor';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { AppError } from '~/server/errors';
import { authenticateToken } from '~/server/services/tokens';

export async function tokenActor(request: FastifyRequest): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const token = match ? await authenticateToken(getDb(), match[1]!) : null;
  if (!token) throw new AppError('UNAUTHORIZED', 'Send a valid personal access token as "Authorization: Bearer <token>".', 'unauthorized');
  return { ...token.user, clientIp: request.ip, tokenPrefix: token.prefix, sessionId: null };
}

/** The signed-in user of the app, for the few REST reads the Studio shares (the run events). */
export async function sessionActor(request: FastifyRequest): Promise<Actor> {
  const user = await getSessionUser(request.headers.cookie);
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in, or send a personal access token as "Authorization: Bearer <token>".', 'unauthorized');
  return { id: user.id, name: user.name, email: user.email, clientIp: request.ip, tokenPrefix: null, sessionId: user.sessionId ?? null };
}
