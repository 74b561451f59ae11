import 'server-only';
import { z } from 'zod';
import { ZAiConfig, ZAiConfigInput } from '~/lib/schemas/ai-config';
import { authedProcedure, createTRPCRouter } from '~/server/api/trpc';
import { clearUserAiDefaults, getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';
import { ZSessionDto, ZTokenDto } from '~/lib/schemas/account';
import { ZJoinedWorkspace, ZMyInvitation } from '~/lib/schemas/invitations';
import { createToken, listTokens, revokeToken } from '~/server/services/tokens';
import { ZId } from '~/lib/schemas/ids';
import * as invitations from '~/server/services/invitations';
import { ZDisplayName } from '~/lib/schemas/names';
import { listSessions, revokeSession } from '~/server/services/sessions';

export const accountRouter = createTRPCRouter({
  me: authedProcedure
    .output(z.object({ id: z.string(), name: z.string(), email: z.string() }))
    .query(({ ctx }) => ({ id: ctx.user.id, name: ctx.user.name, email: ctx.user.email })),

  /** Defaults for workspaces this user creates later (M6); null when none are set. */
  aiDefaults: authedProcedure.output(ZAiConfig.nullable()).query(({ ctx }) => getUserAiDefaults(ctx)),

  setAiDefaults: authedProcedure
    .input(ZAiConfigInput)
    .output(ZAiConfig)
    .mutation(({ ctx, input }) => setUserAiDefaults(ctx, input)),

  tokens: authedProcedure.output(z.array(ZTokenDto)).query(({ ctx }) => listTokens(ctx)),

  /** The token is in this response only; it is stored as a keyed hash. */
  createToken: authedProcedure
    .input(z.object({ name: ZDisplayName, expiresInDays: z.number().int().min(1).max(365).nullable().optional() }))
    .output(z.object({ token: z.string(), info: ZTokenDto }))
    .mutation(({ ctx, input }) => createToken(ctx, input)),

  revokeToken: authedProcedure
    .input(z.object({ tokenId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeToken(ctx, input);
      return { ok: true as const };
    }),

  /** The user's signed-in sessions (never their tokens), the caller's own marked `current`. */
  sessions: authedProcedure
    .output(z.array(ZSessionDto))
    .query(({ ctx }) => listSessions(ctx)),

  /** Ends another of the user's sessions at once. */
  revokeSession: authedProcedure
    .input(z.object({ sessionId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx, input);
      return { ok: true as const };
    }),

  clearAiDefaults: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await clearUserAiDefaults(ctx);
    return { ok: true as const };
  }),

  // Invitations addressed to this user's email, decided by them alone (services/invitations.ts).
  invitations: authedProcedure
    .output(z.array(ZMyInvitation))
    .query(({ ctx }) => invitations.listMine(ctx)),

  acceptInvitation: authedProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ workspace: ZJoinedWorkspace }))
    .mutation(async ({ ctx, input }) => ({
      workspace: await invitations.accept(ctx, input),
    })),

  declineInvitation: authedProcedure
    .input(z.object({ invitationId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await invitations.decline(ctx, input);
      return { ok: true as const };
    }),
});
