// The three tiers (PRODUCT.md M2). Browser-safe and zod-free (see enums.ts).
export const TIERS = ['fast', 'standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_NAMES: Record<Tier, string> = { fast: 'Fast', standard: 'Standard', premium: 'Premium' };

/**
 * When platform credits may take over from the workspace's own keys (PRODUCT.md M4): never; only when the
 * keys are rate-limited or out of credit; or on any key failure, a missing or paused key included.
 */
export const FALLBACK_POLICIES = ['never', 'on_limits', 'always'] as const;
export type FallbackPolicy = (typeof FALLBACK_POLICIES)[number];
