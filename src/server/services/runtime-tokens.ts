import 'server-only';
// Runtime tokens (issue 17): what a workspace's own code holds instead of a provider key. Owners create
// them (shown once), list them (never the token) and revoke them; the gateway swaps one for the workspace's
// key or the platform's on every call. Stored only as a keyed hash, compared in constant time.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { GATEWAY_PROVIDERS, type GatewayProvider, RUNTIME_TOKEN_PREFIX } from '~/lib/gateway';
import type { RuntimeToken, RuntimeTokenInput } from '~/lib/schemas/gateway';
import type { Actor } from '~/server/actor';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { requireOwner } from '~/server/policy';
import { tokenHasher } from '~/server/services/token-hash';
import { changingConfig } from '~/server/db/config-changes';

export const MAX_RUNTIME_TOKENS = 100;
const hashToken = tokenHasher('runtime-token-hash');

type Ctx = { db: Db; actor: Pick<Actor, 'id'>; workspace: { id: string; role: string } };

const dtoSelect = {
  id: true, label: true, prefix: true, providers: true, keyLabel: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true,
} as const;
type Row = { id: string; label: string; prefix: string; providers: string; keyLabel: string | null; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; revokedAt: Date | null };

export function parseProviders(stored: string): GatewayProvider[] {
  const listed = stored.split(',').filter((p): p is GatewayProvider => (GATEWAY_PROVIDERS as readonly string[]).includes(p));
  return listed.length ? listed : [...GATEWAY_PROVIDERS];
}

const toDto = ({ revokedAt, providers, ...r }: Row): RuntimeToken => ({ ...r, providers: parseProviders(providers), revoked: revokedAt !== null });

export async function createRuntimeToken(ctx: Ctx, input: RuntimeTokenInput): Promise<{ token: string; info: RuntimeToken }> {
  requireOwner(ctx.workspace, 'manage runtime tokens');
  const active = await ctx.db.runtimeToken.count({ where: { workspaceId: ctx.workspace.id, revokedAt: null } });
  if (active >= MAX_RUNTIME_TOKENS) {
    throw new AppError('CONFLICT', `At most ${MAX_RUNTIME_TOKENS} active runtime tokens per workspace: revoke one first.`, 'too_many_tokens');
  }
  const token = `${RUNTIME_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const providers = input.providers?.length ? [...new Set(input.providers)] : [];
  const row = await ctx.db.runtimeToken.create({
    data: {
      id: newId(),
      workspaceId: ctx.workspace.id,
      label: input.label,
      prefix: token.slice(0, RUNTIME_TOKEN_PREFIX.length + 6),
      hash: hashToken(token),
      providers: providers.join(','),
      keyLabel: input.keyLabel ?? null,
      createdById: ctx.actor.id,
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    },
    select: dtoSelect,
  });
  return { token, info: toDto(row) };
}

export async function listRuntimeTokens(ctx: Ctx): Promise<RuntimeToken[]> {
  requireOwner(ctx.workspace, 'manage runtime tokens');
  const rows = await ctx.db.runtimeToken.findMany({ where: { workspaceId: ctx.workspace.id }, select: dtoSelect, orderBy: { createdAt: 'desc' } });
  return rows.map(toDto);
}

/** Revokes at once: it answers when every instance's gateway has been told (db/config-changes.ts). */
export async function revokeRuntimeToken(ctx: Ctx, input: { tokenId: string }): Promise<void> {
  requireOwner(ctx.workspace, 'manage runtime tokens');
  const r = await changingConfig(ctx.db, ctx.workspace.id, () =>
    ctx.db.runtimeToken.updateMany({ where: { id: input.tokenId, workspaceId: ctx.workspace.id, revokedAt: null }, data: { revokedAt: new Date() } }),
  );
  if (r.count !== 1) throw notFound('Runtime token not found');
}

export type ResolvedRuntimeToken = {
  id: string; workspaceId: string; prefix: string; providers: GatewayProvider[]; keyLabel: string | null; expiresAt: Date | null;
  /** Who created it: the actor of what the token's calls cause (e.g. an audit row for a key that fails to decrypt). */
  createdById: string;
};

/** The live token a presented value hashes to, or null (unknown, revoked or expired). */
export async function findRuntimeToken(db: Db, presented: string): Promise<ResolvedRuntimeToken | null> {
  if (!presented.startsWith(RUNTIME_TOKEN_PREFIX) || presented.length > 100) return null;
  const hash = hashToken(presented);
  const row = await db.runtimeToken.findUnique({
    where: { hash },
    select: { id: true, workspaceId: true, prefix: true, hash: true, providers: true, keyLabel: true, expiresAt: true, revokedAt: true, createdById: true },
  });
  if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return null;
  if (row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return null;
  return {
    id: row.id, workspaceId: row.workspaceId, prefix: row.prefix, providers: parseProviders(row.providers), keyLabel: row.keyLabel,
    expiresAt: row.expiresAt, createdById: row.createdById,
  };
}

/** The hash a presented token is cached under (the cache never holds the token itself). */
export function runtimeTokenCacheKey(presented: string): string {
  return Buffer.from(hashToken(presented)).toString('base64url');
}
