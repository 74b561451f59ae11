// Tiers, catalog and tier-setting shapes (PRODUCT.md M1–M5). Browser-safe.
import { z } from 'zod';
import { ZProviderId, ZTier } from '~/lib/schemas/enums';
import { ZId, ZModelId, ZPlatformModelId } from '~/lib/schemas/ids';

export { TIERS, TIER_NAMES, type Tier } from '~/lib/schemas/tiers';
export { ZTier };

export const ZPlatformModelDto = z.object({
  id: z.string(),
  provider: ZProviderId,
  modelId: z.string(),
  displayName: z.string(),
  tiers: z.array(ZTier),
  creditsPer1kInput: z.number().int(),
  creditsPer1kOutput: z.number().int(),
});
export type PlatformModelDto = z.infer<typeof ZPlatformModelDto>;

export const ZMyModelsGroup = z.object({
  keyId: z.string(),
  provider: ZProviderId,
  label: z.string(),
  maskedHint: z.string(),
  status: z.string(),
  models: z.array(z.object({ modelId: z.string(), displayName: z.string(), available: z.boolean(), contextWindow: z.number().int().nullable() })),
});
export type MyModelsGroup = z.infer<typeof ZMyModelsGroup>;

export const ZCatalog = z.object({
  myModels: z.array(ZMyModelsGroup),
  platformModels: z.array(ZPlatformModelDto),
  /** Credits per image of the platform's image model (what Generate's estimate multiplies); null when none is enabled. */
  imageCreditsPerImage: z.number().int().nullable(),
});
export type Catalog = z.infer<typeof ZCatalog>;

/** What a picker selection means: a platform model, or a model through one of the workspace's keys. */
export const ZModelChoice = z.discriminatedUnion('source', [
  z.object({ source: z.literal('platform'), platformModelId: ZPlatformModelId }),
  z.object({ source: z.literal('byok'), keyId: ZId, modelId: ZModelId }),
]);
export type ModelChoice = z.infer<typeof ZModelChoice>;

export const ZTierSetting = z.object({
  tier: ZTier,
  /** True when the workspace has not chosen: the platform default applies. */
  isPlatformDefault: z.boolean(),
  choice: ZModelChoice.nullable(),
  provider: ZProviderId,
  modelId: z.string(),
  displayName: z.string(),
  keyLabel: z.string().nullable(),
  maskedHint: z.string().nullable(),
  /** Why a BYOK default cannot be used right now (runs then follow the fallback policy). */
  broken: z.enum(['key_missing', 'model_unavailable', 'key_failing']).nullable(),
  platformDefault: z.object({ id: z.string(), displayName: z.string() }),
});
export type TierSetting = z.infer<typeof ZTierSetting>;
