// Invitations into a workspace. An owner invites an email address; whoever signs in (or up) with that
// address sees the invitation and accepts or declines it; the owner can revoke it while it is pending.
//
// Inviting never looks the address up among the accounts: the answer, and the statements run to reach
// it, are the same whether or not an account uses the address, so the form tells the owner nothing about
// who has an account. The one thing it does say, "already a member", is what the member list shows anyway.
// Emails are not verified in this product: an invitation is for whoever holds an account with that address.
import { z } from 'zod';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { consumeLimits, type LimitRule } from '~/server/services/rate-limit';

export const INVITATION_TTL_DAYS = 14;
const INVITATION_TTL_MS = INVITATION_TTL_DAYS * 86_400_000;
/** Pending, unexpired invitations one workspace may have at a time. */
export const MAX_PENDING_INVITATIONS = 50;
/** Invitations are notices in other people's accounts: limited per workspace and per owner, so making
 * more workspaces does not buy more of them. */
export const INVITE_LIMITS = {
  workspace: { name: 'invite:ws', points: 30, duration: 3600 },
  owner: { name: 'invite:user', points: 60, duration: 3600 },
} satisfies Record<string, LimitRule>;

/** The auth library stores user emails lowercased; invitations are matched against that form. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** What the owner sees: a pending invitation, or one that expired undecided (to invite again). */
export const ZWorkspaceInvitation = z.object({
  id: z.string(),
  email: z.string(),
  status: z.enum(['pending', 'expired']),
  createdAt: z.date(),
  expiresAt: z.date(),
});
export type WorkspaceInvitationDto = z.infer<typeof ZWorkspaceInvitation>;

/** What the invitee sees before deciding: who invites them where, nothing else of the workspace. */
export const ZMyInvitation = z.object({
  id: z.string(),
  workspaceName: z.string(),
  invitedBy: z.object({ name: z.string(), email: z.string() }),
  createdAt: z.date(),
  expiresAt: z.date(),
});
export type MyInvitationDto = z.infer<typeof ZMyInvitation>;

export const ZJoinedWorkspace = z.object({ id: z.string(), slug: z.string(), name: z.string() });
export type JoinedWorkspace = z.infer<typeof ZJoinedWorkspace>;

// One answer for every invitation a user may not act on (another person's, revoked, declined, expired,
// unknown): it says nothing about which one it was.
const gone = () =>
  new AppError('NOT_FOUND', 'This invitation is no longer available. Ask the workspace owner to invite you again.', 'invitation_not_found');

const ownerSelect = { id: true, email: true, status: true, createdAt: true, expiresAt: true } as const;
type OwnerRow = { id: string; email: string; status: string; createdAt: Date; expiresAt: Date };
const toOwnerDto = (r: OwnerRow, now: Date): WorkspaceInvitationDto => ({
  ...r,
  status: r.status === 'pending' && r.expiresAt > now ? 'pending' : 'expired',
});

/**
 * Invites `email` into the workspace (the caller's procedure has checked that `ownerId` owns it).
 * Inviting an address again refreshes its invitation: a pending one keeps its id and gets a new expiry;
 * a decided one is renewed under a new id, so its old id stays refused.
 */
export async function invite(
  db: Db,
  input: { workspaceId: string; ownerId: string; email: string; now?: Date },
): Promise<WorkspaceInvitationDto> {
  const email = normaliseEmail(input.email);
  await consumeLimits(
    db,
    [
      { rule: INVITE_LIMITS.workspace, key: input.workspaceId },
      { rule: INVITE_LIMITS.owner, key: input.ownerId },
    ],
    { message: 'Too many invitations: wait an hour and try again.', reason: 'invite_rate_limited' },
  );
  const now = input.now ?? new Date();
  return db.$transaction(async (tx) => {
    // One inviter at a time per workspace, so the pending cap holds under concurrency.
    await tx.$queryRaw`SELECT id FROM workspace WHERE id = ${input.workspaceId} FOR UPDATE`;
    // The workspace's own member list, never a lookup of the address among all accounts.
    const members = await tx.membership.findMany({
      where: { workspaceId: input.workspaceId },
      select: { user: { select: { email: true } } },
    });
    if (members.some((m) => normaliseEmail(m.user.email) === email)) {
      throw new AppError('CONFLICT', 'That person is already a member of this workspace.', 'already_member');
    }
    const existing = await tx.invitation.findUnique({
      where: { workspaceId_email: { workspaceId: input.workspaceId, email } },
      select: { id: true, status: true, expiresAt: true },
    });
    const stillPending = existing?.status === 'pending' && existing.expiresAt > now;
    if (!stillPending) {
      const pending = await tx.invitation.count({
        where: { workspaceId: input.workspaceId, status: 'pending', expiresAt: { gt: now } },
      });
      if (pending >= MAX_PENDING_INVITATIONS) {
        throw new AppError(
          'CONFLICT',
          `At most ${MAX_PENDING_INVITATIONS} invitations can be pending: revoke some first.`,
          'too_many_invitations',
        );
      }
    }
    const fresh = { status: 'pending', invitedById: input.ownerId, createdAt: now, expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), decidedAt: null };
    const row = existing
      ? await tx.invitation.update({
          where: { id: existing.id },
          data: { ...fresh, ...(existing.status === 'pending' ? {} : { id: newId() }) },
          select: ownerSelect,
        })
      : await tx.invitation.create({ data: { id: newId(), workspaceId: input.workspaceId, email, ...fresh }, select: ownerSelect });
    return toOwnerDto(row, now);
  });
}

/** Undecided invitations of the workspace, newest first: pending ones and those that expired unanswered. */
export async function listForWorkspace(db: Db, workspaceId: string, now = new Date()): Promise<WorkspaceInvitationDto[]> {
  const rows = await db.invitation.findMany({
    where: { workspaceId, status: { in: ['pending', 'expired'] } },
    select: ownerSelect,
    orderBy: { createdAt: 'desc' },
    take: 2 * MAX_PENDING_INVITATIONS,
  });
  return rows.map((r) => toOwnerDto(r, now));
}

export async function revoke(db: Db, input: { workspaceId: string; invitationId: string }): Promise<void> {
  const r = await db.invitation.updateMany({
    where: { id: input.invitationId, workspaceId: input.workspaceId, status: { in: ['pending', 'expired'] } },
    data: { status: 'revoked', decidedAt: new Date() },
  });
  if (r.count !== 1) throw new AppError('NOT_FOUND', 'Invitation not found', 'invitation_not_found');
}

/** The address invitations are matched against: the account's own, read from the database. */
async function emailOf(db: Pick<Db, 'user'>, userId: string): Promise<string> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true } });
  if (!user) throw gone();
  return normaliseEmail(user.email);
}

/** Pending, unexpired invitations for the signed-in user's address, newest first. */
export async function listMine(db: Db, userId: string, now = new Date()): Promise<MyInvitationDto[]> {
  const email = await emailOf(db, userId);
  const rows = await db.invitation.findMany({
    where: { email, status: 'pending', expiresAt: { gt: now } },
    select: {
      id: true,
      createdAt: true,
      expiresAt: true,
      workspace: { select: { name: true } },
      invitedBy: { select: { name: true, email: true } },
    },
    orderBy: { createdAt: 'desc' },
    take: 100,
  });
  return rows.map((r) => ({ id: r.id, workspaceName: r.workspace.name, invitedBy: r.invitedBy, createdAt: r.createdAt, expiresAt: r.expiresAt }));
}

/** Records an undecided invitation that was acted on after its expiry as expired. */
async function recordExpired(db: Db, invitationId: string, now: Date): Promise<void> {
  await db.invitation.updateMany({
    where: { id: invitationId, status: 'pending', expiresAt: { lte: now } },
    data: { status: 'expired', decidedAt: now },
  });
}

/**
 * Accepts an invitation for the user's own address: the invitation is marked accepted and the user made
 * a member in one transaction. Idempotent: accepting again (a retry, a second tab) answers the same
 * workspace while the membership stands, and never adds a second one.
 */
export async function accept(db: Db, input: { userId: string; invitationId: string; now?: Date }): Promise<JoinedWorkspace> {
  const now = input.now ?? new Date();
  const outcome = await db.$transaction(async (tx) => {
    const email = await emailOf(tx, input.userId);
    // The conditional update is the decision: concurrent accepts queue on the row and only one matches.
    const taken = await tx.invitation.updateMany({
      where: { id: input.invitationId, email, status: 'pending', expiresAt: { gt: now } },
      data: { status: 'accepted', decidedAt: now },
    });
    const inv = await tx.invitation.findFirst({
      where: { id: input.invitationId, email },
      select: { workspaceId: true, status: true },
    });
    if (!inv) return { kind: 'gone' as const };
    if (taken.count === 1) {
      await tx.membership.createMany({ data: [{ workspaceId: inv.workspaceId, userId: input.userId, role: 'member' }], skipDuplicates: true });
    } else if (inv.status !== 'accepted') {
      return { kind: inv.status === 'pending' ? ('expired' as const) : ('gone' as const) };
    }
    // Accepted before: answer again only while the membership stands (a removed member stays removed).
    const m = await tx.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: inv.workspaceId, userId: input.userId } },
      select: { workspace: { select: { id: true, slug: true, name: true } } },
    });
    return m ? { kind: 'joined' as const, workspace: m.workspace } : { kind: 'gone' as const };
  });
  if (outcome.kind === 'joined') return outcome.workspace;
  if (outcome.kind === 'expired') await recordExpired(db, input.invitationId, now);
  throw gone();
}

/** Declines an invitation for the user's own address. Declining again is a no-op. */
export async function decline(db: Db, input: { userId: string; invitationId: string; now?: Date }): Promise<void> {
  const now = input.now ?? new Date();
  const email = await emailOf(db, input.userId);
  const r = await db.invitation.updateMany({
    where: { id: input.invitationId, email, status: 'pending', expiresAt: { gt: now } },
    data: { status: 'declined', decidedAt: now },
  });
  if (r.count === 1) return;
  const inv = await db.invitation.findFirst({ where: { id: input.invitationId, email }, select: { status: true } });
  if (inv?.status === 'declined') return;
  if (inv?.status === 'pending') await recordExpired(db, input.invitationId, now);
  throw gone();
}
