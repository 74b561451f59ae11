// The REST API's wire shapes (seed 001: snake_case), built from the AI config's fields (ai-config.ts), so
// REST and tRPC accept and answer by the same rules. The OpenAPI document is generated from these.
import { z } from 'zod';
import { AI_CONFIG_FIELDS as F } from '~/lib/schemas/ai-config';
import { GATEWAY_PROVIDERS } from '~/lib/gateway';
import { ZRuntimeTokenInput } from '~/lib/schemas/gateway';
import { ZProviderId } from '~/lib/schemas/enums';
import { ZApiKeyInput, ZKeyStatus } from '~/lib/schemas/keys';

export const ZRestAiConfigInput = z
  .object({
    mode: F.mode,
    provider: F.provider,
    model: F.modelInput,
    api_key: F.apiKeyInput.describe('Write-only. A string sets the key (probed first), null clears it, absent keeps it.'),
  })
  .meta({ id: 'AiConfigUpdate' });

export const ZRestAiConfig = z
  .object({
    mode: F.mode,
    provider: F.provider,
    model: F.model,
    has_api_key: F.hasApiKey,
    api_key_hint: F.apiKeyHint.describe('First four and last four characters, e.g. sk-a…bCdE'),
  })
  .meta({ id: 'AiConfig' });

export const ZRestAiDefaults = ZRestAiConfig.extend({
  new_workspaces: z.string().nullable().describe('What these defaults mean for a workspace you create (it starts on Free), when it matters'),
}).meta({ id: 'AiDefaults' });

export const ZRestAiConfigChange = ZRestAiConfig.extend({
  reverted_tiers: F.revertedTiers.describe(
    'Tiers that used a key this change removed and went back to their platform defaults (as removing the key in the app does)',
  ),
  removed_key: z
    .object({ provider: F.provider, label: F.removedKeyLabel, api_key_hint: F.removedKeyHint })
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

// ---- provider keys (issue 19: key controls) ----

export const ZRestKey = z
  .object({
    id: z.string(),
    provider: ZProviderId,
    label: z.string(),
    api_key_hint: z.string().describe('First four and last four characters, e.g. sk-a…bCdE'),
    status: ZKeyStatus,
    paused: z.boolean().describe('A paused key serves nothing: runs and gateway calls treat it as missing, under the fallback policy'),
    paused_at: z.string().nullable(),
    position: z.number().int().describe('Its place in the provider’s failover order, lowest first'),
    expires_at: z.string().nullable().describe('When the provider expires it, as the owner noted'),
    last_outcome: z.string().nullable(),
    last_validated_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Key' });

export const ZRestKeyList = z.object({ data: z.array(ZRestKey) }).meta({ id: 'KeyList' });

export const ZRestKeyUpdate = z
  .object({
    paused: z.boolean().optional().describe('true pauses the key, false resumes it'),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional().describe('When the provider expires the key (owners are notified a week before); null clears it'),
  })
  .strict()
  .meta({ id: 'KeyUpdate' });

export const ZRestKeyOrder = z
  .object({
    provider: ZProviderId,
    key_ids: z.array(z.string().max(64)).min(1).max(50).describe('Every key of the provider, in the order to try them'),
  })
  .meta({ id: 'KeyOrder' });

export const ZRestKeyRotate = z
  .object({ api_key: ZApiKeyInput.describe('Write-only. The new value, probed before it replaces the old one') })
  .meta({ id: 'KeyRotate' });
