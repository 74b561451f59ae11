import 'server-only';
import { z } from 'zod';
import { ZId } from '~/lib/schemas/ids';
import { authedProcedure, createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import * as invitations from '~/server/services/invitations';
import { ZDisplayName } from '~/lib/schemas/names';
import { ZWorkspaceInvitation } from '~/lib/schemas/invitations';
import { ZCreatedWorkspace, ZMember, ZMembership } from '~/lib/schemas/workspaces';
import * as workspaces from '~/server/services/workspaces';

const ZWorkspaceName = ZDisplayName;

export const workspaceRouter = createTRPCRouter({
  list: authedProcedure.output(z.array(ZMembership)).query(({ ctx }) => workspaces.listForUser(ctx)),

  get: workspaceProcedure.output(ZMembership).query(({ ctx }) => ctx.workspace),

  create: authedProcedure
    .input(z.object({ name: ZWorkspaceName, aiDefaults: z.enum(['inherit', 'managed']).default('inherit') }))
    .output(ZCreatedWorkspace)
    .mutation(({ ctx, input }) => workspaces.createWorkspace(ctx, input)),

  members: workspaceProcedure
    .output(z.array(ZMember))
    .query(({ ctx }) => workspaces.listMembers(ctx)),

  /** The same answer whether or not an account uses the address (services/invitations.ts). */
  invite: ownerProcedure
    .input(z.object({ email: z.string().trim().max(254).pipe(z.email()) }))
    .output(ZWorkspaceInvitation)
    .mutation(({ ctx, input }) => invitations.invite(ctx, { email: input.email })),

  invitations: ownerProcedure
    .output(z.array(ZWorkspaceInvitation))
    .query(({ ctx }) => invitations.listForWorkspace(ctx)),

  revokeInvitation: ownerProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await invitations.revoke(ctx, { invitationId: input.invitationId });
      return { ok: true as const };
    }),

  removeMember: ownerProcedure
    .input(z.object({ userId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await workspaces.removeMember(ctx, { userId: input.userId });
      return { ok: true as const };
    }),
});
