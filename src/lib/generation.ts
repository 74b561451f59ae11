// Content Studio input schema (PRODUCT.md G1–G5); the run's shapes and labels are in runs.ts.
import { z } from 'zod';
import { ZModelChoice, ZTier } from '~/lib/models';
import { ASPECT_RATIOS } from '~/lib/runs';

export * from '~/lib/runs';
export const ZAspectRatio = z.enum(ASPECT_RATIOS);

export const ZGenerateInput = z.object({
  prompt: z.string().trim().min(1, 'Write a prompt').max(4000, 'Keep the prompt under 4,000 characters'),
  /** A model from the picker; null means the tier's default. */
  choice: ZModelChoice.nullable().default(null),
  tier: ZTier.default('standard'),
  imageCount: z.number().int().min(0).max(4).default(2),
  aspectRatio: ZAspectRatio.default('1:1'),
});
export type GenerateInput = z.input<typeof ZGenerateInput>;
