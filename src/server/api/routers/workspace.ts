import { z } from 'zod';
import {
  authedProcedure,
  createTRPCRouter,
  ownerProcedure,
  workspaceProcedure,
  ZId,
} from '~/server/api/trpc';
import { ZPlan } from '~/lib/enum-schemas';
import * as invitations from '~/server/services/invitations';
import { ZDisplayName } from '~/lib/schemas/names';
import * as workspaces from '~/server/services/workspaces';

const ZRole = z.enum(['owner', 'member']);
const ZWorkspace = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  plan: ZPlan,
  creditBalance: z.number().int(),
});
const ZMembership = ZWorkspace.extend({ role: ZRole });
const ZMember = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role: ZRole,
  joinedAt: z.date(),
});
const ZWorkspaceName = ZDisplayName;

export const workspaceRouter = createTRPCRouter({
  list: authedProcedure.output(z.array(ZMembership)).query(({ ctx }) => workspaces.listForUser(ctx.db, ctx.user.id)),

  get: workspaceProcedure.output(ZMembership).query(({ ctx }) => ctx.workspace),

  create: authedProcedure
    .input(z.object({ name: ZWorkspaceName, aiDefaults: z.enum(['inherit', 'managed']).default('inherit') }))
    .output(ZWorkspace)
    .mutation(({ ctx, input }) =>
      workspaces.createWorkspace(ctx.db, { ownerId: ctx.user.id, name: input.name, aiDefaults: input.aiDefaults }),
    ),

  members: workspaceProcedure
    .output(z.array(ZMember))
    .query(({ ctx }) => workspaces.listMembers(ctx.db, ctx.workspace.id)),

  /** The same answer whether or not an account uses the address (services/invitations.ts). */
  invite: ownerProcedure
    .input(z.object({ email: z.string().trim().max(254).pipe(z.email()) }))
    .output(invitations.ZWorkspaceInvitation)
    .mutation(({ ctx, input }) =>
      invitations.invite(ctx.db, { workspaceId: ctx.workspace.id, ownerId: ctx.user.id, email: input.email }),
    ),

  invitations: ownerProcedure
    .output(z.array(invitations.ZWorkspaceInvitation))
    .query(({ ctx }) => invitations.listForWorkspace(ctx.db, ctx.workspace.id)),

  revokeInvitation: ownerProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await invitations.revoke(ctx.db, { workspaceId: ctx.workspace.id, invitationId: input.invitationId });
      return { ok: true as const };
    }),

  removeMember: ownerProcedure
    .input(z.object({ userId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await workspaces.removeMember(ctx.db, { workspaceId: ctx.workspace.id, userId: input.userId });
      return { ok: true as const };
    }),
});
