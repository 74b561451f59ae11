// Plans and their allowances (PRODUCT.md P). Browser-safe and zod-free (see schemas/enums.ts): the UI
// shows plan names and which plans have BYOK.
export const PLAN_IDS = ['free', 'pro', 'ultra', 'enterprise'] as const;
export type Plan = (typeof PLAN_IDS)[number];

export const PLANS: Record<Plan, { name: string; byok: boolean; monthlyCredits: number }> = {
  free: { name: 'Free', byok: false, monthlyCredits: 250 },
  pro: { name: 'Pro', byok: true, monthlyCredits: 2_000 },
  ultra: { name: 'Ultra', byok: true, monthlyCredits: 10_000 },
  enterprise: { name: 'Enterprise', byok: true, monthlyCredits: 50_000 },
};

export const BYOK_PLANS = PLAN_IDS.filter((p) => PLANS[p].byok);
export const BYOK_PLAN_NAMES = BYOK_PLANS.map((p) => PLANS[p].name);

export function parsePlan(value: string): Plan {
  if (!(PLAN_IDS as readonly string[]).includes(value)) throw new Error('Unknown plan');
  return value as Plan;
}
