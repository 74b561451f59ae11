import { z } from 'zod';
import { ZAiConfig, ZAiConfigInput } from '~/lib/ai-config';
import { authedProcedure, createTRPCRouter } from '~/server/api/trpc';
import { clearUserAiDefaults, getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';
import { createToken, listTokens, revokeToken, ZTokenDto } from '~/server/services/tokens';
import { ZId } from '~/server/api/trpc';
import * as invitations from '~/server/services/invitations';
import { ZDisplayName } from '~/lib/schemas/names';
import { listSessions, revokeSession, ZSessionDto } from '~/server/services/sessions';

export const accountRouter = createTRPCRouter({
  me: authedProcedure
    .output(z.object({ id: z.string(), name: z.string(), email: z.string() }))
    .query(({ ctx }) => ({ id: ctx.user.id, name: ctx.user.name, email: ctx.user.email })),

  /** Defaults for workspaces this user creates later (M6); null when none are set. */
  aiDefaults: authedProcedure.output(ZAiConfig.nullable()).query(({ ctx }) => getUserAiDefaults(ctx.db, ctx.user.id)),

  setAiDefaults: authedProcedure
    .input(ZAiConfigInput)
    .output(ZAiConfig)
    .mutation(({ ctx, input }) => setUserAiDefaults(ctx.db, ctx.actor, input)),

  tokens: authedProcedure.output(z.array(ZTokenDto)).query(({ ctx }) => listTokens(ctx.db, ctx.user.id)),

  /** The token is in this response only; it is stored as a keyed hash. */
  createToken: authedProcedure
    .input(z.object({ name: ZDisplayName, expiresInDays: z.number().int().min(1).max(365).nullable().optional() }))
    .output(z.object({ token: z.string(), info: ZTokenDto }))
    .mutation(({ ctx, input }) => createToken(ctx.db, ctx.user.id, input)),

  revokeToken: authedProcedure
    .input(z.object({ tokenId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeToken(ctx.db, ctx.user.id, input.tokenId);
      return { ok: true as const };
    }),

  /** The user's signed-in sessions (never their tokens), the caller's own marked `current`. */
  sessions: authedProcedure
    .output(z.array(ZSessionDto))
    .query(({ ctx }) => listSessions(ctx.db, ctx.user.id, ctx.user.sessionId)),

  /** Ends another of the user's sessions at once. */
  revokeSession: authedProcedure
    .input(z.object({ sessionId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx.db, ctx.user.id, input.sessionId, ctx.user.sessionId);
      return { ok: true as const };
    }),

  clearAiDefaults: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await clearUserAiDefaults(ctx.db, ctx.user.id);
    return { ok: true as const };
  }),

  // Invitations addressed to this user's email, decided by them alone (services/invitations.ts).
  invitations: authedProcedure
    .output(z.array(invitations.ZMyInvitation))
    .query(({ ctx }) => invitations.listMine(ctx.db, ctx.user.id)),

  acceptInvitation: authedProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ workspace: invitations.ZJoinedWorkspace }))
    .mutation(async ({ ctx, input }) => ({
      workspace: await invitations.accept(ctx.db, { userId: ctx.user.id, invitationId: input.invitationId }),
    })),

  declineInvitation: authedProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await invitations.decline(ctx.db, { userId: ctx.user.id, invitationId: input.invitationId });
      return { ok: true as const };
    }),
});
