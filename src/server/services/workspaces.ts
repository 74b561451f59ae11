// Workspaces, memberships and plans. Every read that serves a user is filtered by that user's
// membership, so another workspace's id yields NOT_FOUND, never data.
import { randomBytes } from 'node:crypto';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { forbidden, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { PLANS, type Plan, parsePlan } from '~/lib/plans';
import { grantInTx } from '~/server/services/credits';
import { consumeLimits, type LimitRule } from '~/server/services/rate-limit';
import { applyUserDefaultsToWorkspace } from '~/server/services/user-defaults';

export type Role = 'owner' | 'member';

export const workspaceDtoSelect = {
  id: true,
  slug: true,
  name: true,
  plan: true,
  creditBalance: true,
} as const;

export type WorkspaceDto = { id: string; slug: string; name: string; plan: Plan; creditBalance: number };
export type MembershipDto = WorkspaceDto & { role: Role };

type WorkspaceRow = { id: string; slug: string; name: string; plan: string; creditBalance: number };

function toDto(w: WorkspaceRow): WorkspaceDto {
  return { id: w.id, slug: w.slug, name: w.name, plan: parsePlan(w.plan), creditBalance: w.creditBalance };
}

function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  return `${base || 'workspace'}-${randomBytes(3).toString('hex')}`;
}

export const WORKSPACES_PER_HOUR = 10;
const CREATE_LIMIT = { name: 'workspace:create:user', points: WORKSPACES_PER_HOUR, duration: 3600 } satisfies LimitRule;

/** The ledger key of a user's Free credits: one grant per user, whichever workspace gets it. */
export const freeCreditsKey = (userId: string) => `free-credits:user:${userId}`;

/**
 * A workspace a user asked for: at most WORKSPACES_PER_HOUR an hour per user (the counter is charged
 * before anything is written).
 */
export async function createWorkspace(
  db: Db,
  input: { ownerId: string; name: string; aiDefaults?: 'inherit' | 'managed' },
): Promise<WorkspaceDto> {
  await consumeLimits(db, [{ rule: CREATE_LIMIT, key: input.ownerId }], {
    message: `Too many new workspaces: at most ${WORKSPACES_PER_HOUR} workspaces an hour. Try again later.`,
    reason: 'workspace_rate_limited',
  });
  return createOwnedWorkspace(db, input);
}

/**
 * A new workspace on the Free plan, the creator as owner, starting with the creator's AI defaults unless
 * `aiDefaults: 'managed'` overrides them (PRODUCT.md M6). The Free plan's credits go to the user's first
 * workspace only (PRODUCT.md P), whichever creation gets there first.
 */
async function createOwnedWorkspace(
  db: Db,
  input: { ownerId: string; name: string; aiDefaults?: 'inherit' | 'managed' },
): Promise<WorkspaceDto> {
  const ws = await createBareWorkspace(db, input);
  if (input.aiDefaults !== 'managed') {
    await applyUserDefaultsToWorkspace(db, input.ownerId, ws.id);
  }
  return ws;
}

async function createBareWorkspace(db: Db, input: { ownerId: string; name: string }): Promise<WorkspaceDto> {
  const id = newId();
  return db.$transaction(async (tx) => {
    await tx.workspace.create({ data: { id, slug: slugify(input.name), name: input.name, plan: 'free' } });
    await tx.membership.create({ data: { workspaceId: id, userId: input.ownerId, role: 'owner' } });
    await grantInTx(tx, {
      workspaceId: id,
      amount: PLANS.free.monthlyCredits,
      reason: 'Free plan credits (your first workspace)',
      idempotencyKey: freeCreditsKey(input.ownerId),
    });
    return toDto(await tx.workspace.findUniqueOrThrow({ where: { id }, select: workspaceDtoSelect }));
  });
}

/** Called after sign-up; also repairs a user left without any workspace. */
export async function ensurePersonalWorkspace(db: Db, user: { id: string; name: string }): Promise<void> {
  const count = await db.membership.count({ where: { userId: user.id } });
  if (count === 0) await createOwnedWorkspace(db, { ownerId: user.id, name: `${user.name}'s workspace` });
}

export async function listForUser(db: Db, userId: string): Promise<MembershipDto[]> {
  const rows = await db.membership.findMany({
    where: { userId },
    select: { role: true, workspace: { select: workspaceDtoSelect } },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => ({ ...toDto(r.workspace), role: r.role as Role }));
}

/**
 * The workspace as seen by `userId`, or NOT_FOUND when they are not a member (or it does not exist).
 * Every workspace-scoped request runs this first, so it is one plain indexed join rather than a
 * relation query: about a third of the client-side work.
 */
export async function getForMember(
  db: Db,
  userId: string,
  ref: { workspaceId: string } | { slug: string },
): Promise<MembershipDto> {
  const [row] = await db.$queryRaw<(WorkspaceRow & { role: string })[]>`
    SELECT w.id, w.slug, w.name, w.plan, w."creditBalance", m.role
    FROM membership m JOIN workspace w ON w.id = m."workspaceId"
    WHERE m."userId" = ${userId} AND ${'slug' in ref ? Prisma.sql`w.slug = ${ref.slug}` : Prisma.sql`w.id = ${ref.workspaceId}`}`;
  if (!row) throw notFound('Workspace not found');
  return { ...toDto(row), role: row.role as Role };
}

export type MemberDto = { userId: string; name: string; email: string; role: Role; joinedAt: Date };

export async function listMembers(db: Db, workspaceId: string): Promise<MemberDto[]> {
  const rows = await db.membership.findMany({
    where: { workspaceId },
    select: { role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => ({
    userId: r.user.id,
    name: r.user.name,
    email: r.user.email,
    role: r.role as Role,
    joinedAt: r.createdAt,
  }));
}

export async function removeMember(db: Db, input: { workspaceId: string; userId: string }): Promise<void> {
  const m = await db.membership.findUnique({
    where: { workspaceId_userId: { workspaceId: input.workspaceId, userId: input.userId } },
    select: { role: true },
  });
  if (!m) throw notFound('Member not found');
  if (m.role === 'owner') throw forbidden('The owner cannot be removed from their workspace.', 'owner_not_removable');
  await db.membership.deleteMany({
    where: { workspaceId: input.workspaceId, userId: input.userId, role: 'member' },
  });
}

/**
 * Operator action: changes the plan and grants its monthly credits. The grant is idempotent per
 * workspace, plan and calendar month, so re-running the command does not grant twice.
 */
export async function setPlan(
  db: Db,
  input: { slug: string; plan: Plan; now?: Date },
): Promise<{ workspace: WorkspaceDto; granted: number }> {
  const plan = parsePlan(input.plan);
  const month = (input.now ?? new Date()).toISOString().slice(0, 7);
  return db.$transaction(async (tx) => {
    const ws = await tx.workspace.findUnique({ where: { slug: input.slug }, select: { id: true } });
    if (!ws) throw notFound(`No workspace with that slug`);
    await tx.workspace.update({ where: { id: ws.id }, data: { plan } });
    const key = `plan-grant:${ws.id}:${plan}:${month}`;
    const already = await tx.creditLedger.findUnique({ where: { idempotencyKey: key } });
    await grantInTx(tx, {
      workspaceId: ws.id,
      amount: PLANS[plan].monthlyCredits,
      reason: `${PLANS[plan].name} plan credits for ${month}`,
      idempotencyKey: key,
    });
    const after = await tx.workspace.findUniqueOrThrow({ where: { id: ws.id }, select: workspaceDtoSelect });
    return { workspace: toDto(after), granted: already ? 0 : PLANS[plan].monthlyCredits };
  });
}
