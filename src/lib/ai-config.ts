// The AI config facade shapes (seed 001, PRODUCT.md M5/M6), shared by tRPC, REST and the UI.
import { z } from 'zod';
import { ZApiKeyInput } from '~/lib/keys';
import { ZProviderId, ZTier } from '~/lib/enum-schemas';
import { ZProviderModelId } from '~/lib/schemas/ids';

export const ZAiMode = z.enum(['managed', 'byok']);

// `api_key`: a string sets the key, null clears it, absent leaves it as it is. Write-only.
export const ZAiConfigInput = z.object({
  mode: ZAiMode,
  provider: ZProviderId,
  model: ZProviderModelId.optional(),
  apiKey: ZApiKeyInput.nullable().optional(),
});
export type AiConfigInput = z.infer<typeof ZAiConfigInput>;

export const ZAiConfig = z.object({
  mode: ZAiMode,
  provider: ZProviderId,
  model: z.string().nullable(),
  hasApiKey: z.boolean(),
  apiKeyHint: z.string().nullable(),
});
export type AiConfig = z.infer<typeof ZAiConfig>;

/** What a change answers: the new config, the tiers that reverted to platform defaults and the key removed. */
export const ZAiConfigChange = ZAiConfig.extend({
  revertedTiers: z.array(ZTier),
  removedKey: z.object({ provider: ZProviderId, label: z.string(), apiKeyHint: z.string() }).nullable(),
});

/** Accepts the seed's `google/gemini-2.5-pro` form as well as the bare model id. */
export function normaliseModelId(provider: string, model: string | undefined): string | undefined {
  if (!model) return model;
  return model.startsWith(`${provider}/`) ? model.slice(provider.length + 1) : model;
}
