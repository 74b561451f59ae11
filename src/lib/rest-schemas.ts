// The REST API's wire shapes (seed 001: snake_case). The OpenAPI document is generated from these.
import { z } from 'zod';
import { ZAiMode } from '~/lib/ai-config';
import { ZProviderId, ZTier } from '~/lib/enum-schemas';
import { ZProviderModelId } from '~/lib/schemas/ids';

export const ZRestAiConfigInput = z
  .object({
    mode: ZAiMode,
    provider: ZProviderId,
    model: ZProviderModelId.optional(),
    api_key: z.string().min(1).max(512).nullable().optional().describe('Write-only. A string sets the key (probed first), null clears it, absent keeps it.'),
  })
  .meta({ id: 'AiConfigInput' });

export const ZRestAiConfig = z
  .object({
    mode: ZAiMode,
    provider: ZProviderId,
    model: z.string().nullable(),
    has_api_key: z.boolean(),
    api_key_hint: z.string().nullable().describe('First four and last four characters, e.g. sk-a…bCdE'),
  })
  .meta({ id: 'AiConfig' });

export const ZRestAiConfigChange = ZRestAiConfig.extend({
  reverted_tiers: z
    .array(ZTier)
    .describe('Tiers that used a key this change removed and went back to their platform defaults (as removing the key in the app does)'),
  removed_key: z
    .object({ provider: ZProviderId, label: z.string(), api_key_hint: z.string() })
    .nullable()
    .describe('The key this change removed (api_key null, or switching to managed), if any'),
}).meta({ id: 'AiConfigChange' });

export const ZRestError = z
  .object({
    error: z.object({
      code: z.string().describe('Machine-readable reason, e.g. invalid_key, plan_required, not_found'),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });
