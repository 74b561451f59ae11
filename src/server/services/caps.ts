import 'server-only';
// Monthly credit caps per member and per runtime token (issue 19): the owner sets them here; reserve()
// in services/credits.ts enforces them, atomically with the reservation.
import type { Caps } from '~/lib/schemas/usage';
import { isId } from '~/lib/schemas/ids';
import { notFound } from '~/server/errors';
import { requireOwner } from '~/server/policy';
import type { WorkspaceCtx } from '~/server/services/context';
import { usedThisMonth } from '~/server/services/credits';

export async function getCaps(ctx: WorkspaceCtx): Promise<Caps> {
  requireOwner(ctx.workspace, 'see credit caps');
  const workspaceId = ctx.workspace.id;
  const [members, tokens] = await Promise.all([
    ctx.db.membership.findMany({ where: { workspaceId }, select: { userId: true, monthlyCreditCap: true } }),
    ctx.db.runtimeToken.findMany({ where: { workspaceId, revokedAt: null }, select: { id: true, monthlyCreditCap: true } }),
  ]);
  return {
    members: await Promise.all(members.map(async (m) => ({ userId: m.userId, cap: m.monthlyCreditCap, usedThisMonth: await usedThisMonth(ctx.db, workspaceId, { memberId: m.userId }) }))),
    tokens: await Promise.all(tokens.map(async (t) => ({ tokenId: t.id, cap: t.monthlyCreditCap, usedThisMonth: await usedThisMonth(ctx.db, workspaceId, { tokenId: t.id }) }))),
  };
}

export async function setMemberCap(ctx: WorkspaceCtx, input: { userId: string; monthlyCreditCap: number | null }): Promise<void> {
  requireOwner(ctx.workspace, 'set credit caps');
  const r = isId(input.userId)
    ? await ctx.db.membership.updateMany({ where: { workspaceId: ctx.workspace.id, userId: input.userId }, data: { monthlyCreditCap: input.monthlyCreditCap } })
    : { count: 0 };
  if (r.count !== 1) throw notFound('Member not found');
}

export async function setTokenCap(ctx: WorkspaceCtx, input: { tokenId: string; monthlyCreditCap: number | null }): Promise<void> {
  requireOwner(ctx.workspace, 'set credit caps');
  const r = isId(input.tokenId)
    ? await ctx.db.runtimeToken.updateMany({ where: { workspaceId: ctx.workspace.id, id: input.tokenId, revokedAt: null }, data: { monthlyCreditCap: input.monthlyCreditCap } })
    : { count: 0 };
  if (r.count !== 1) throw notFound('Runtime token not found');
}
