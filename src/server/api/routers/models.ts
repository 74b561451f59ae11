import 'server-only';
import { z } from 'zod';
import { ZAiConfig, ZAiConfigChange, ZAiConfigInput } from '~/lib/schemas/ai-config';
import { ZCatalog, ZModelChoice, ZTier, ZTierSetting } from '~/lib/schemas/models';
import { ZFallbackPolicy } from '~/lib/schemas/enums';
import { createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import { getAiConfig, setAiConfig } from '~/server/services/ai-config';
import { getCatalog } from '~/server/services/catalog';
import { getFallbackPolicy, getTierSettings, setFallbackPolicy, setTier } from '~/server/services/tiers';

export const modelsRouter = createTRPCRouter({
  /** The model picker's two sections (M1). Members may open it; nothing is decrypted. */
  catalog: workspaceProcedure.output(ZCatalog).query(({ ctx }) => getCatalog(ctx)),

  tiers: workspaceProcedure
    .output(z.object({ tiers: z.array(ZTierSetting), fallbackPolicy: ZFallbackPolicy }))
    .query(async ({ ctx }) => ({
      tiers: await getTierSettings(ctx),
      fallbackPolicy: await getFallbackPolicy(ctx),
    })),

  /** `choice: null` returns the tier to its platform default. */
  setTier: ownerProcedure
    .input(z.object({ tier: ZTier, choice: ZModelChoice.nullable() }))
    .output(ZTierSetting)
    .mutation(({ ctx, input }) => setTier(ctx, { tier: input.tier, choice: input.choice })),

  setFallbackPolicy: ownerProcedure
    .input(z.object({ fallbackPolicy: ZFallbackPolicy }))
    .output(z.object({ fallbackPolicy: ZFallbackPolicy }))
    .mutation(({ ctx, input }) => setFallbackPolicy(ctx, { fallbackPolicy: input.fallbackPolicy })),

  /** The workspace AI config facade (M5): reads and writes the Standard tier and the provider's primary key. */
  aiConfig: workspaceProcedure.output(ZAiConfig).query(({ ctx }) => getAiConfig(ctx)),

  setAiConfig: ownerProcedure
    .input(ZAiConfigInput)
    .output(ZAiConfigChange)
    .mutation(({ ctx, input }) => setAiConfig(ctx, input)),
});
