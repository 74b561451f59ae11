// Identifiers that reach other systems, each defined once. Browser-safe.
import { z } from 'zod';
import { PROVIDER_IDS } from '~/lib/providers';

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
