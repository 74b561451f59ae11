// Content Studio input schema (PRODUCT.md G1–G5); the run's shapes and labels are in runs.ts.
import { z } from 'zod';
import { ZModelChoice, ZTier } from '~/lib/models';
import { ASPECT_RATIOS } from '~/lib/runs';
import { multilineText } from '~/lib/schemas/text';

export * from '~/lib/runs';
export const ZAspectRatio = z.enum(ASPECT_RATIOS);
export const MAX_PROMPT_CHARS = 4000;

export const ZGenerateInput = z.object({
  prompt: multilineText({ max: MAX_PROMPT_CHARS, empty: 'Write a prompt', tooLong: 'Keep the prompt under 4,000 characters' }),
  /** A model from the picker; null means the tier's default. */
  choice: ZModelChoice.nullable().default(null),
  tier: ZTier.default('standard'),
  imageCount: z.number().int().min(0).max(4).default(2),
  aspectRatio: ZAspectRatio.default('1:1'),
});
export type GenerateInput = z.input<typeof ZGenerateInput>;
