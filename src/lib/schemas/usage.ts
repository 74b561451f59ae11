// The usage report (issue 19): what the Usage page, its tRPC procedure and the REST endpoint ask and get.
// Days are UTC calendar days (YYYY-MM-DD), both ends included. Browser-safe.
import { z } from 'zod';
import { ZId } from '~/lib/schemas/ids';
import { USAGE_GROUPS, USAGE_INTERVALS, USAGE_MAX_DAYS, dayNumber } from '~/lib/usage';

export * from '~/lib/usage';

const ZDay = z.iso.date({ error: 'Use a date as YYYY-MM-DD' });

export const ZUsageQuery = z
  .object({
    from: ZDay.optional(),
    to: ZDay.optional(),
    interval: z.enum(USAGE_INTERVALS, { error: `interval is one of ${USAGE_INTERVALS.join(', ')}` }).default('day'),
    groupBy: z.enum(USAGE_GROUPS, { error: `group_by is one of ${USAGE_GROUPS.join(', ')}` }).default('source'),
  })
  .superRefine((q, ctx) => {
    if (!q.from || !q.to) return;
    const span = dayNumber(q.to) - dayNumber(q.from);
    if (span < 0) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be on or before to' });
    else if (span + 1 > USAGE_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `A report covers at most ${USAGE_MAX_DAYS} days` });
  });
export type UsageQuery = z.input<typeof ZUsageQuery>;

const ZCounts = z.object({
  calls: z.number().int().describe('Provider calls: gateway calls and Content Studio steps'),
  runs: z.number().int().describe('Content Studio runs'),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  credits: z.number().int().describe('Platform credits charged'),
  estimatedCostUsd: z.number().describe('Estimated provider cost of your-key usage, from list prices: an estimate, not a bill'),
});

export const ZUsageRow = ZCounts.extend({
  period: z.string().describe('YYYY-MM-DD (interval day) or YYYY-MM (interval month)'),
  group: z.string().describe('The group’s id (a token, key or member id, a model, a source or credential kind)'),
  label: z.string(),
});
export type UsageRow = z.infer<typeof ZUsageRow>;

export const ZUsageReport = z.object({
  from: z.string(),
  to: z.string(),
  interval: z.enum(USAGE_INTERVALS),
  groupBy: z.enum(USAGE_GROUPS),
  /** workspace: everything (owners); own: the caller's own Content Studio runs (members). */
  scope: z.enum(['workspace', 'own']),
  rows: z.array(ZUsageRow),
  totals: ZCounts,
  /** Your-key usage of models with no price on the day: not in the estimate. */
  unpricedModels: z.array(z.string()),
});
export type UsageReport = z.infer<typeof ZUsageReport>;

// ---- REST wire shapes (snake_case), the same rules ----

export const ZRestUsageQuery = z
  .object({
    from: z.iso.date({ error: 'Use a date as YYYY-MM-DD' }).optional().describe('First UTC day, YYYY-MM-DD (default: 29 days before to)'),
    to: z.iso.date({ error: 'Use a date as YYYY-MM-DD' }).optional().describe(`Last UTC day, included (default: today); at most ${USAGE_MAX_DAYS} days after from`),
    interval: z.enum(USAGE_INTERVALS, { error: `interval is one of ${USAGE_INTERVALS.join(', ')}` }).optional().describe('day (default) or month'),
    group_by: z.enum(USAGE_GROUPS, { error: `group_by is one of ${USAGE_GROUPS.join(', ')}` }).optional().describe('What each row is (default source)'),
  })
  .strict();

const restCounts = {
  calls: ZCounts.shape.calls,
  runs: ZCounts.shape.runs,
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  credits: ZCounts.shape.credits,
  estimated_cost_usd: ZCounts.shape.estimatedCostUsd,
};

export const ZRestUsageReport = z
  .object({
    from: z.string(),
    to: z.string(),
    interval: z.enum(USAGE_INTERVALS),
    group_by: z.enum(USAGE_GROUPS),
    scope: z.enum(['workspace', 'own']).describe('workspace: all usage (owners); own: your own Content Studio runs (members)'),
    cost_is_estimate: z.literal(true).describe('estimated_cost_usd is computed from list prices, not a provider bill'),
    data: z.array(z.object({ period: ZUsageRow.shape.period, group: ZUsageRow.shape.group, label: z.string(), ...restCounts })),
    totals: z.object(restCounts),
    unpriced_models: z.array(z.string()).describe('Your-key usage of models without a price on the day: not in the estimate'),
  })
  .meta({ id: 'UsageReport' });

type Counts = z.infer<typeof ZCounts>;
const countsToWire = (c: Counts) => ({
  calls: c.calls, runs: c.runs, input_tokens: c.inputTokens, output_tokens: c.outputTokens, credits: c.credits, estimated_cost_usd: c.estimatedCostUsd,
});

export function usageToWire(r: UsageReport): z.infer<typeof ZRestUsageReport> {
  return {
    from: r.from, to: r.to, interval: r.interval, group_by: r.groupBy, scope: r.scope, cost_is_estimate: true,
    data: r.rows.map((row) => ({ period: row.period, group: row.group, label: row.label, ...countsToWire(row) })),
    totals: countsToWire(r.totals),
    unpriced_models: r.unpricedModels,
  };
}

// ---- monthly credit caps (owners set them; services/credits.ts reserve enforces them) ----

export const ZCreditCap = z.number().int().min(0).max(100_000_000).nullable().describe('Credits per calendar month (UTC); null: no cap');
export const ZSetMemberCap = z.object({ userId: ZId, monthlyCreditCap: ZCreditCap });
export const ZSetTokenCap = z.object({ tokenId: ZId, monthlyCreditCap: ZCreditCap });
const ZCapState = z.object({ cap: z.number().int().nullable(), usedThisMonth: z.number().int() });
export const ZCaps = z.object({
  members: z.array(ZCapState.extend({ userId: z.string() })),
  tokens: z.array(ZCapState.extend({ tokenId: z.string() })),
});
export type Caps = z.infer<typeof ZCaps>;

// ---- monthly estimated-spend alerts per key ----

export const ZSetSpendAlert = z.object({
  keyId: ZId,
  monthlyUsd: z.number().int().min(1).max(1_000_000).nullable().describe('Whole USD of estimated provider cost per calendar month (UTC); null: no alert'),
});
export const ZSpendAlert = z.object({ keyId: z.string(), monthlyUsd: z.number(), spentUsd: z.number(), alertedThisMonth: z.boolean() });
