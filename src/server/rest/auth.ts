import 'server-only';
// REST requests authenticate with a personal access token (`Authorization: Bearer byok_pat_…`); the actor
// carries its prefix, so audit rows can name the token that acted.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '~/server/actor';
import { getDb } from '~/server/db';
import { AppError } from '~/server/errors';
import { authenticateToken } from '~/server/services/tokens';

export async function tokenActor(request: FastifyRequest): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const token = match ? await authenticateToken(getDb(), match[1]!) : null;
  if (!token) throw new AppError('UNAUTHORIZED', 'Send a valid personal access token as "Authorization: Bearer <token>".', 'unauthorized');
  return { ...token.user, clientIp: request.ip, tokenPrefix: token.prefix, sessionId: null };
}
