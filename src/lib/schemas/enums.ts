// zod schemas of the shared enums. The constants live in zod-free modules because client components
// import them, and zod in a page's bundle costs about 30 KB gzip; schemas are for the server.
import { z } from 'zod';
import { PLAN_IDS } from '~/lib/plans';
import { KEY_OUTCOMES, PROVIDER_IDS } from '~/lib/providers';
import { FALLBACK_POLICIES, TIERS } from '~/lib/schemas/tiers';

export const ZProviderId = z.enum(PROVIDER_IDS);
export const ZKeyOutcome = z.enum(KEY_OUTCOMES);
export const ZPlan = z.enum(PLAN_IDS);
export const ZTier = z.enum(TIERS);

export const ZFallbackPolicy = z.enum(FALLBACK_POLICIES);
