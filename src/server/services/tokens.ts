import 'server-only';
// Personal access tokens (PRODUCT.md A): created on the account page, shown once, stored only as an
// HMAC under a server secret (a database dump does not let anyone confirm or use a token), listed by
// name and prefix, revocable, optionally expiring. A token acts as its user, with that user's roles.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenDto } from '~/lib/schemas/account';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import type { UserScope } from '~/server/services/context';
import { tokenHasher } from '~/server/services/token-hash';

export const TOKEN_PREFIX = 'byok_pat_';
const MAX_TOKENS_PER_USER = 50;

const hashToken = tokenHasher('personal-access-token-hash');

const dtoSelect = { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true } as const;
type Row = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revokedAt: Date | null };
const toDto = ({ revokedAt, ...r }: Row): TokenDto => ({ ...r, revoked: revokedAt !== null });

export async function createToken(
  { db, actor }: UserScope,
  input: { name: string; expiresInDays?: number | null },
): Promise<{ token: string; info: TokenDto }> {
  const userId = actor.id;
  const active = await db.personalAccessToken.count({ where: { userId, revokedAt: null } });
  if (active >= MAX_TOKENS_PER_USER) throw new AppError('CONFLICT', `At most ${MAX_TOKENS_PER_USER} active tokens: revoke one first.`, 'too_many_tokens');
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const row = await db.personalAccessToken.create({
    data: {
      id: newId(),
      userId,
      name: input.name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      hash: hashToken(token),
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    },
    select: dtoSelect,
  });
  return { token, info: toDto(row) };
}

export async function listTokens({ db, actor }: UserScope): Promise<TokenDto[]> {
  const rows = await db.personalAccessToken.findMany({ where: { userId: actor.id }, select: dtoSelect, orderBy: { createdAt: 'desc' } });
  return rows.map(toDto);
}

export async function revokeToken({ db, actor }: UserScope, input: { tokenId: string }): Promise<void> {
  const r = await db.personalAccessToken.updateMany({ where: { id: input.tokenId, userId: actor.id, revokedAt: null }, data: { revokedAt: new Date() } });
  if (r.count !== 1) throw notFound('Token not found');
}

/**
 * The user a bearer token belongs to and the token's prefix (audit rows name it), or null for a missing,
 * unknown, revoked or expired token.
 */
export async function authenticateToken(
  db: Db,
  token: string,
): Promise<{ user: { id: string; name: string; email: string }; prefix: string } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
  const hash = hashToken(token);
  const row = await db.personalAccessToken.findUnique({
    where: { hash },
    select: { id: true, hash: true, prefix: true, revokedAt: true, expiresAt: true, user: { select: { id: true, name: true, email: true } } },
  });
  if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return null;
  if (row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return null;
  await db.personalAccessToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return { user: row.user, prefix: row.prefix };
}
