// Runtime tokens and gateway calls as the API and the Developers page exchange them.
import { z } from 'zod';
import { GATEWAY_PROVIDERS } from '~/lib/gateway';
import { ZKeyLabel } from '~/lib/schemas/keys';

export const ZGatewayProvider = z.enum(GATEWAY_PROVIDERS);

export const ZRuntimeTokenInput = z.object({
  // Labels follow the key labels' rule: a short name that shows in lists and logs.
  label: ZKeyLabel,
  expiresInDays: z.number().int().min(1).max(365).nullable().optional(),
  /** The providers it may call; none given = all of them. */
  providers: z.array(ZGatewayProvider).max(GATEWAY_PROVIDERS.length).optional(),
  /** byok: the label of the workspace key it uses for each provider (default: the primary key). */
  keyLabel: ZKeyLabel.nullable().optional(),
});
export type RuntimeTokenInput = z.infer<typeof ZRuntimeTokenInput>;

export const ZRuntimeToken = z.object({
  id: z.string(),
  label: z.string(),
  prefix: z.string(),
  providers: z.array(ZGatewayProvider),
  keyLabel: z.string().nullable(),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  revoked: z.boolean(),
});
export type RuntimeToken = z.infer<typeof ZRuntimeToken>;

export const ZGatewayCall = z.object({
  id: z.string(),
  provider: z.string(),
  operation: z.string(),
  model: z.string().nullable(),
  credentialSource: z.enum(['byok', 'managed']),
  status: z.number().int(),
  outcome: z.string().nullable(),
  stream: z.boolean(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  credits: z.number().int(),
  latencyMs: z.number().int(),
  tokenPrefix: z.string().nullable(),
  createdAt: z.date(),
});
export type GatewayCallDto = z.infer<typeof ZGatewayCall>;
