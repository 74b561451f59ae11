// The AI config facade shapes (seed 001, PRODUCT.md M5/M6), shared by tRPC, REST and the UI. Each field's
// rule is written once (AI_CONFIG_FIELDS); the app's camelCase shapes are below, the REST API's
// snake_case ones (rest.ts) are built from the same fields.
import { z } from 'zod';
import { ZApiKeyInput } from '~/lib/schemas/keys';
import { ZProviderId, ZTier } from '~/lib/schemas/enums';
import { ZProviderModelId } from '~/lib/schemas/ids';

export const ZAiMode = z.enum(['managed', 'byok']);

export const AI_CONFIG_FIELDS = {
  mode: ZAiMode,
  provider: ZProviderId,
  /** The model asked for: its id, or the seed's `provider/model` form. */
  modelInput: ZProviderModelId.optional(),
  /** Write-only: a string sets the key (probed first), null clears it, absent keeps it. */
  apiKeyInput: ZApiKeyInput.nullable().optional(),
  model: z.string().nullable(),
  hasApiKey: z.boolean(),
  /** The key's first four and last four characters, e.g. sk-a…bCdE; never the key. */
  apiKeyHint: z.string().nullable(),
  revertedTiers: z.array(ZTier),
  removedKeyLabel: z.string(),
  removedKeyHint: z.string(),
};
const F = AI_CONFIG_FIELDS;

export const ZAiConfigInput = z.object({ mode: F.mode, provider: F.provider, model: F.modelInput, apiKey: F.apiKeyInput });
export type AiConfigInput = z.infer<typeof ZAiConfigInput>;

export const ZAiConfig = z.object({ mode: F.mode, provider: F.provider, model: F.model, hasApiKey: F.hasApiKey, apiKeyHint: F.apiKeyHint });
export type AiConfig = z.infer<typeof ZAiConfig>;

/** What a change answers: the new config, the tiers that reverted to platform defaults and the key removed. */
export const ZAiConfigChange = ZAiConfig.extend({
  revertedTiers: F.revertedTiers,
  removedKey: z.object({ provider: F.provider, label: F.removedKeyLabel, apiKeyHint: F.removedKeyHint }).nullable(),
});

/** Accepts the seed's `google/gemini-2.5-pro` form as well as the bare model id. */
export function normaliseModelId(provider: string, model: string | undefined): string | undefined {
  if (!model) return model;
  return model.startsWith(`${provider}/`) ? model.slice(provider.length + 1) : model;
}
