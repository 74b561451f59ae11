// Shared, browser-safe shapes for key management: inputs (zod) and the DTO every key response uses.
import { z } from 'zod';
import { ZKeyOutcome, ZProviderId } from '~/lib/schemas/enums';
import { lineText } from '~/lib/schemas/text';

export const ZKeyLabel = lineText({ max: 40, empty: 'Enter a label', tooLong: 'Use at most 40 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'Use letters, digits, spaces, dots, dashes or underscores');

// The key itself: bounded here, shape-checked by the service. Never echoed in any message.
export const ZApiKeyInput = z.string().min(1, 'Paste the API key').max(512, 'That is too long to be an API key');

/** An expiry date for a key: in the future, within ten years. */
export const ZKeyExpiry = z
  .date()
  .refine((d) => d.getTime() > Date.now(), 'Pick a date in the future')
  .refine((d) => d.getTime() < Date.now() + 10 * 366 * 86_400_000, 'Pick a date within ten years');

export const ZKeyStatus = z.enum(['active', 'failing', 'needs_reentry']);

export const ZKeyDto = z.object({
  id: z.string(),
  provider: ZProviderId,
  label: z.string(),
  maskedHint: z.string(),
  status: ZKeyStatus,
  /** Set while an owner has paused the key: it serves nothing until resumed. */
  pausedAt: z.date().nullable(),
  /** Its place in the provider's failover order (lowest first). */
  position: z.number().int(),
  /** When the provider expires it, as the owner noted (optional): shown, and owners are told a week before. */
  expiresAt: z.date().nullable(),
  lastOutcome: ZKeyOutcome.nullable(),
  lastValidatedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  modelsRefreshedAt: z.date().nullable(),
  modelCount: z.number().int(),
  createdAt: z.date(),
  createdBy: z.string(),
  /** Names of the viewer's other workspaces where the same key is connected (PRODUCT.md M7). */
  alsoConnectedIn: z.array(z.string()),
});
export type KeyDto = z.infer<typeof ZKeyDto>;

export const ZAuditEventDto = z.object({
  id: z.string(),
  operation: z.string(),
  provider: z.string().nullable(),
  label: z.string().nullable(),
  outcome: z.string().nullable(),
  actor: z.string(),
  /** The prefix of the personal access token the actor used, when the change came through the REST API. */
  actorToken: z.string().nullable(),
  createdAt: z.date(),
});
export type AuditEventDto = z.infer<typeof ZAuditEventDto>;
