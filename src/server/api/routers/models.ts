import { z } from 'zod';
import { ZAiConfig, ZAiConfigChange, ZAiConfigInput } from '~/lib/ai-config';
import { ZCatalog, ZModelChoice, ZTier, ZTierSetting } from '~/lib/models';
import { createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import { getAiConfig, setAiConfig } from '~/server/services/ai-config';
import { getCatalog } from '~/server/services/catalog';
import { getFallbackPolicy, getTierSettings, setFallbackPolicy, setTier } from '~/server/services/tiers';

export const modelsRouter = createTRPCRouter({
  /** The model picker's two sections (M1). Members may open it; nothing is decrypted. */
  catalog: workspaceProcedure.output(ZCatalog).query(({ ctx }) => getCatalog(ctx.db, ctx.workspace.id)),

  tiers: workspaceProcedure
    .output(z.object({ tiers: z.array(ZTierSetting), allowCreditFallback: z.boolean() }))
    .query(async ({ ctx }) => ({
      tiers: await getTierSettings(ctx.db, ctx.workspace.id),
      allowCreditFallback: await getFallbackPolicy(ctx.db, ctx.workspace.id),
    })),

  /** `choice: null` returns the tier to its platform default. */
  setTier: ownerProcedure
    .input(z.object({ tier: ZTier, choice: ZModelChoice.nullable() }))
    .output(ZTierSetting)
    .mutation(({ ctx, input }) => setTier(ctx.db, ctx.workspace, input.tier, input.choice)),

  setFallbackPolicy: ownerProcedure
    .input(z.object({ allowCreditFallback: z.boolean() }))
    .output(z.object({ allowCreditFallback: z.boolean() }))
    .mutation(({ ctx, input }) => setFallbackPolicy(ctx.db, ctx.workspace.id, input.allowCreditFallback)),

  /** The workspace AI config facade (M5): reads and writes the Standard tier and the provider's primary key. */
  aiConfig: workspaceProcedure.output(ZAiConfig).query(({ ctx }) => getAiConfig(ctx.db, ctx.workspace.id)),

  setAiConfig: ownerProcedure
    .input(ZAiConfigInput)
    .output(ZAiConfigChange)
    .mutation(({ ctx, input }) => setAiConfig(ctx.db, ctx.actor, ctx.workspace, input)),
});
