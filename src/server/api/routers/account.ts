import { z } from 'zod';
import { ZAiConfig, ZAiConfigInput } from '~/lib/ai-config';
import { authedProcedure, createTRPCRouter } from '~/server/api/trpc';
import { clearUserAiDefaults, getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';

export const accountRouter = createTRPCRouter({
  me: authedProcedure
    .output(z.object({ id: z.string(), name: z.string(), email: z.string() }))
    .query(({ ctx }) => ({ id: ctx.user.id, name: ctx.user.name, email: ctx.user.email })),

  /** Defaults for workspaces this user creates later (M6); null when none are set. */
  aiDefaults: authedProcedure.output(ZAiConfig.nullable()).query(({ ctx }) => getUserAiDefaults(ctx.db, ctx.user.id)),

  setAiDefaults: authedProcedure
    .input(ZAiConfigInput)
    .output(ZAiConfig)
    .mutation(({ ctx, input }) => setUserAiDefaults(ctx.db, ctx.user.id, input)),

  clearAiDefaults: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await clearUserAiDefaults(ctx.db, ctx.user.id);
    return { ok: true as const };
  }),
});
