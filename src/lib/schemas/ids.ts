// Identifiers, each pattern defined once. Browser-safe.
import { z } from 'zod';
import { PROVIDER_IDS } from '~/lib/providers';

/** Our own ids (workspaces, keys, runs, invitations, tokens, sessions): opaque and short; anything else is rejected without echoing it. */
export const ZId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

/** True for a string that can be one of our ids: anything else cannot name a row, so it is simply not found. */
export function isId(value: string): boolean {
  return ZId.safeParse(value).success;
}

/** A platform catalog entry's id (`<provider>:<model id>`). */
export const ZPlatformModelId = z.string().min(1).max(200);

// A provider model id: what every provider uses today (`claude-haiku-4-5-20251001`, `gpt-4.1-mini`,
// `gemini-2.5-flash`, OpenAI fine-tunes like `ft:gpt-4o-mini:org:name:id`). No slash, no leading dot and
// nothing that needs escaping, so an id can never become another path when it is part of a URL
// (Google puts it in the path).
const MODEL_ID = '[A-Za-z0-9][A-Za-z0-9._:-]{0,127}';

export const MODEL_ID_PATTERN = new RegExp(`^${MODEL_ID}$`);

export const ZModelId = z.string().trim().regex(MODEL_ID_PATTERN, 'Invalid model id');

/** A model id, optionally in the seed's `provider/model` form (`google/gemini-2.5-pro`). */
export const ZProviderModelId = z
  .string()
  .trim()
  .regex(new RegExp(`^(?:(?:${PROVIDER_IDS.join('|')})/)?${MODEL_ID}$`), 'Invalid model id');

export function isModelId(value: string): boolean {
  return MODEL_ID_PATTERN.test(value);
}
