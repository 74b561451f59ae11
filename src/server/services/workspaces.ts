import 'server-only';
// Workspaces, memberships and plans. Every read that serves a user is filtered by that user's
// membership, so another workspace's id yields NOT_FOUND, never data.
import { randomBytes } from 'node:crypto';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { queryRows } from '~/server/db/sql';
import { notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { PLANS, type Plan, parsePlan } from '~/lib/plans';
import type { MemberDto, MembershipDto, Role, WorkspaceDto } from '~/lib/schemas/workspaces';
import { requireRemovable } from '~/server/policy';
import type { UserScope, WorkspaceScope } from '~/server/services/context';
import { grantInTx } from '~/server/services/credits';
import { consumeLimits, type LimitRule } from '~/server/services/rate-limit';
import { applyUserDefaultsToWorkspace, type InheritedKeyNote } from '~/server/services/user-defaults';
import { changingConfig } from '~/server/db/config-changes';

export const workspaceDtoSelect = {
  id: true,
  slug: true,
  name: true,
  plan: true,
  creditBalance: true,
} as const;

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
  { db, actor }: UserScope,
  input: { name: string; aiDefaults?: 'inherit' | 'managed' },
): Promise<WorkspaceDto & { inheritedKey: InheritedKeyNote | null }> {
  await consumeLimits(db, [{ rule: CREATE_LIMIT, key: actor.id }], {
    message: `Too many new workspaces: at most ${WORKSPACES_PER_HOUR} workspaces an hour. Try again later.`,
    reason: 'workspace_rate_limited',
  });
  return createOwnedWorkspace(db, { ownerId: actor.id, ...input });
}

/**
 * A new workspace on the Free plan, the creator as owner, starting with the creator's AI defaults unless
 * `aiDefaults: 'managed'` overrides them (PRODUCT.md M6). The Free plan's credits go to the user's first
 * workspace only (PRODUCT.md P), whichever creation gets there first.
 */
async function createOwnedWorkspace(
  db: Db,
  input: { ownerId: string; name: string; aiDefaults?: 'inherit' | 'managed' },
): Promise<WorkspaceDto & { inheritedKey: InheritedKeyNote | null }> {
  const ws = await createBareWorkspace(db, input);
  // The answer says what became of an inherited key: on Free it waits for a paid plan (user-defaults.ts).
  const inheritedKey = input.aiDefaults !== 'managed' ? await applyUserDefaultsToWorkspace(db, input.ownerId, ws.id) : null;
  return { ...ws, inheritedKey };
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

export async function listForUser({ db, actor }: UserScope): Promise<MembershipDto[]> {
  const rows = await db.membership.findMany({
    where: { userId: actor.id },
    select: { role: true, workspace: { select: workspaceDtoSelect } },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => ({ ...toDto(r.workspace), role: r.role as Role }));
}

/**
 * The workspace as seen by the actor, or NOT_FOUND when they are not a member (or it does not exist).
 * Every workspace-scoped request runs this first, so it is one plain indexed join rather than a
 * relation query: about a third of the client-side work.
 */
export async function getForMember(
  { db, actor }: UserScope,
  ref: { workspaceId: string } | { slug: string },
): Promise<MembershipDto> {
  const [row] = await queryRows<WorkspaceRow & { role: string }>(db, Prisma.sql`
    SELECT w.id, w.slug, w.name, w.plan, w."creditBalance", m.role
    FROM membership m JOIN workspace w ON w.id = m."workspaceId"
    WHERE m."userId" = ${actor.id} AND ${'slug' in ref ? Prisma.sql`w.slug = ${ref.slug}` : Prisma.sql`w.id = ${ref.workspaceId}`}`);
  if (!row) throw notFound('Workspace not found');
  return { ...toDto(row), role: row.role as Role };
}

export async function listMembers({ db, workspace }: WorkspaceScope): Promise<MemberDto[]> {
  const rows = await db.membership.findMany({
    where: { workspaceId: workspace.id },
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

export async function removeMember({ db, workspace }: WorkspaceScope, input: { userId: string }): Promise<void> {
  const m = await db.membership.findUnique({
    where: { workspaceId_userId: { workspaceId: workspace.id, userId: input.userId } },
    select: { role: true },
  });
  if (!m) throw notFound('Member not found');
  requireRemovable(m);
  await db.membership.deleteMany({
    where: { workspaceId: workspace.id, userId: input.userId, role: 'member' },
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
  const ws = await db.workspace.findUnique({ where: { slug: input.slug }, select: { id: true } });
  if (!ws) throw notFound(`No workspace with that slug`);
  // The plan decides whether the gateway may serve own keys: the next call follows it (db/config-changes.ts).
  return changingConfig(db, ws.id, () => db.$transaction(async (tx) => {
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
  }));
}
