// The three tiers (PRODUCT.md M2). Browser-safe and zod-free (see enums.ts).
export const TIERS = ['fast', 'standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_NAMES: Record<Tier, string> = { fast: 'Fast', standard: 'Standard', premium: 'Premium' };
