// The REST API's wire shapes (seed 001: snake_case). The OpenAPI document is generated from these.
import { z } from 'zod';
import { GATEWAY_PROVIDERS } from '~/lib/gateway';
import { ZRuntimeTokenInput } from '~/lib/schemas/gateway';
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
  .meta({ id: 'AiConfigUpdate' });

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

// ---- runtime tokens (issue 17) ----

export const ZRestRuntimeTokenInput = z
  .object({
    // The same rules as the app's form (lib/schemas/gateway.ts), in the REST API's snake_case.
    label: ZRuntimeTokenInput.shape.label.describe('What the token is for, e.g. "ci" or "staging VM"'),
    expires_in_days: ZRuntimeTokenInput.shape.expiresInDays.describe('Omitted or null: never expires'),
    providers: ZRuntimeTokenInput.shape.providers.describe('The providers it may call; omitted: all'),
    key_label: ZRuntimeTokenInput.shape.keyLabel.describe('byok: the label of the key it uses per provider (default primary)'),
  })
  .meta({ id: 'RuntimeTokenRequest' });

export const ZRestRuntimeToken = z
  .object({
    id: z.string(),
    label: z.string(),
    prefix: z.string().describe('The first characters of the token, to recognise it'),
    providers: z.array(z.enum(GATEWAY_PROVIDERS)),
    key_label: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked: z.boolean(),
  })
  .meta({ id: 'RuntimeToken' });

export const ZRestRuntimeTokenCreated = ZRestRuntimeToken.extend({
  token: z.string().describe('The token itself: shown this once, stored only as a keyed hash'),
}).meta({ id: 'RuntimeTokenCreated' });

export const ZRestRuntimeTokenList = z.object({ data: z.array(ZRestRuntimeToken) }).meta({ id: 'RuntimeTokenList' });
