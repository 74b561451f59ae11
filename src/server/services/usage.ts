import 'server-only';
// The usage report (issue 19): gateway calls and Content Studio steps, read from their daily rollups
// (usage_daily, usage_studio_daily), which triggers keep equal to the records, summed per day or month and
// per group: a month is a few hundred rows whatever the volume. The estimated provider cost prices your-key usage at the
// model's list price on that day (model_price): an estimate, never a bill.
import { type UsageGroup, type UsageInterval, type UsageQuery, type UsageReport, type UsageRow, ZUsageQuery, defaultRange } from '~/lib/schemas/usage';
import { dayNumber, USAGE_MAX_DAYS } from '~/lib/usage';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { usageSubject } from '~/server/policy';
import type { WorkspaceCtx } from '~/server/services/context';

type Raw = { period: string; grp: string; calls: number; runs: number; allRuns: number; tin: number; tout: number; credits: number; cost: number; unpriced: string | null };

// What each group is, over the gateway rollup (u) and the Content Studio rollup (sd). Fixed fragments
// chosen by an enum: no input ever becomes SQL.
const GATEWAY_GROUP: Record<UsageGroup, Prisma.Sql> = {
  source: Prisma.sql`'gateway'`,
  token: Prisma.sql`u."tokenId"`,
  key: Prisma.sql`u."keyId"`,
  member: Prisma.sql`'gateway'`,
  model: Prisma.sql`u.provider || ':' || u.model`,
  credential: Prisma.sql`CASE u."credentialSource" WHEN 'byok' THEN 'your_key' WHEN 'managed_fallback' THEN 'fallback' ELSE 'credits' END`,
};
const STUDIO_GROUP: Record<UsageGroup, Prisma.Sql> = {
  source: Prisma.sql`'studio'`,
  token: Prisma.sql`'studio'`,
  key: Prisma.sql`sd."keyId"`,
  member: Prisma.sql`sd."memberId"`,
  model: Prisma.sql`sd.provider || ':' || sd.model`,
  // The same groups as the rollup's runsByCredential (migration usage_studio_daily).
  credential: Prisma.sql`CASE sd."credentialSource" WHEN 'byok' THEN 'your_key' WHEN 'managed_fallback' THEN 'fallback' ELSE 'credits' END`,
};
// Each rollup row counts a run for the groups of one grouping only if it is the run's first row there, so a
// run that used two models counts once in each model's group and once by source.
const STUDIO_RUNS: Record<UsageGroup, Prisma.Sql> = {
  source: Prisma.sql`sd.runs`,
  token: Prisma.sql`sd.runs`,
  member: Prisma.sql`sd.runs`,
  key: Prisma.sql`sd."runsByKey"`,
  model: Prisma.sql`sd."runsByModel"`,
  credential: Prisma.sql`sd."runsByCredential"`,
};
const PERIOD: Record<UsageInterval, string> = { day: 'YYYY-MM-DD', month: 'YYYY-MM' };

/**
 * The model's list price on a day (the latest row that took effect by then), looked up for your-key usage
 * only: the condition sits inside the subquery so other rows skip the lookup.
 */
const price = (provider: Prisma.Sql, model: Prisma.Sql, day: Prisma.Sql, source: Prisma.Sql) => Prisma.sql`
  LEFT JOIN LATERAL (
    SELECT p."inputUsdPer1M" AS pin, p."outputUsdPer1M" AS pout FROM model_price p
    WHERE ${source} = 'byok' AND p.provider = ${provider} AND p."modelId" = ${model} AND p."effectiveFrom" <= ${day}
    ORDER BY p."effectiveFrom" DESC LIMIT 1
  ) price ON true`;

export async function usageReport(ctx: WorkspaceCtx, query: UsageQuery): Promise<UsageReport> {
  const parsed = ZUsageQuery.safeParse(query);
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', parsed.error.issues[0]?.message ?? 'Bad usage query', 'invalid_usage_query');
  }
  const q = parsed.data;
  const range = defaultRange();
  const from = q.from ?? (q.to && q.to < range.from ? q.to : range.from);
  const to = q.to ?? (from > range.to ? from : range.to);
  if (from > to) throw new AppError('BAD_REQUEST', 'from must be on or before to', 'invalid_usage_query');
  // Checked again once the defaults filled in a missing end: one given end alone must not reach further.
  if (dayNumber(to) - dayNumber(from) + 1 > USAGE_MAX_DAYS) {
    throw new AppError('BAD_REQUEST', `A report covers at most ${USAGE_MAX_DAYS} days`, 'invalid_usage_query');
  }
  const member = usageSubject(ctx.workspace, ctx.actor.id);
  const rows = await aggregate(ctx.db, ctx.workspace.id, { from, to, interval: q.interval, groupBy: q.groupBy, member });
  const labels = await labelsFor(ctx.db, ctx.workspace.id, q.groupBy, [...new Set(rows.map((r) => r.grp))]);

  const unpriced = new Set<string>();
  const out: UsageRow[] = rows.map((r) => {
    // Model ids and provider names hold no comma (lib/schemas/ids.ts).
    for (const m of r.unpriced?.split(',') ?? []) if (m) unpriced.add(m);
    return {
      period: r.period, group: r.grp, label: labels.get(r.grp) ?? r.grp,
      calls: Number(r.calls), runs: Number(r.runs), inputTokens: Number(r.tin), outputTokens: Number(r.tout), credits: Number(r.credits),
      estimatedCostUsd: roundUsd(Number(r.cost)),
    };
  });
  const totals = { calls: 0, runs: 0, inputTokens: 0, outputTokens: 0, credits: 0, estimatedCostUsd: 0 };
  for (const r of rows) {
    totals.calls += Number(r.calls);
    totals.inputTokens += Number(r.tin);
    totals.outputTokens += Number(r.tout);
    totals.credits += Number(r.credits);
    totals.estimatedCostUsd += Number(r.cost);
  }
  // A run split over several groups (two models) counts once in the total: each run is on one row of
  // the rollup's `runs`, whatever the grouping.
  totals.runs = rows.reduce((n, r) => n + Number(r.allRuns), 0);
  totals.estimatedCostUsd = roundUsd(totals.estimatedCostUsd);
  return { from, to, interval: q.interval, groupBy: q.groupBy, scope: member ? 'own' : 'workspace', rows: out, totals, unpricedModels: [...unpriced].sort() };
}

// Dollars to a hundredth of a cent: enough for an estimate, and sums stay readable.
const roundUsd = (usd: number) => Math.round(usd * 10_000) / 10_000;

export type Agg = { from: string; to: string; interval: UsageInterval; groupBy: UsageGroup; member: string | null };

async function aggregate(db: Db, workspaceId: string, a: Agg): Promise<Raw[]> {
  return db.$queryRaw<Raw[]>(aggregateSql(workspaceId, a));
}

/** The report's one statement (exported for the bench's EXPLAIN). */
export function aggregateSql(workspaceId: string, a: Agg): Prisma.Sql {
  const fmt = PERIOD[a.interval];
  const g = GATEWAY_GROUP[a.groupBy];
  const s = STUDIO_GROUP[a.groupBy];
  // Members see only their own Content Studio runs: the gateway half is left out entirely.
  const gateway = a.member
    ? Prisma.empty
    : Prisma.sql`
      SELECT to_char(u.day, ${fmt}) AS period, ${g} AS grp, sum(u.calls)::bigint AS calls, 0::bigint AS runs, 0::bigint AS "allRuns",
             sum(u."inputTokens")::bigint AS tin, sum(u."outputTokens")::bigint AS tout, sum(u.credits)::bigint AS credits,
             COALESCE(sum((u."inputTokens" * price.pin + u."outputTokens" * price.pout) / 1e6), 0)::float8 AS cost,
             string_agg(DISTINCT CASE WHEN u."credentialSource" = 'byok' AND price.pin IS NULL THEN u.provider || ':' || u.model END, ',') AS unpriced
      FROM usage_daily u
      ${price(Prisma.sql`u.provider`, Prisma.sql`u.model`, Prisma.sql`u.day`, Prisma.sql`u."credentialSource"`)}
      WHERE u."workspaceId" = ${workspaceId} AND u.day >= ${a.from}::date AND u.day <= ${a.to}::date
      GROUP BY 1, 2
      UNION ALL`;
  return Prisma.sql`
    SELECT period, grp, sum(calls)::float8 AS calls, sum(runs)::float8 AS runs, sum("allRuns")::float8 AS "allRuns", sum(tin)::float8 AS tin, sum(tout)::float8 AS tout,
           sum(credits)::float8 AS credits, sum(cost)::float8 AS cost,
           string_agg(x.unpriced, ',') AS unpriced
    FROM (
      ${gateway}
      SELECT to_char(sd.day, ${fmt}) AS period, ${s} AS grp, sum(sd.calls)::bigint AS calls, sum(${STUDIO_RUNS[a.groupBy]})::bigint AS runs, sum(sd.runs)::bigint AS "allRuns",
             sum(sd."inputTokens")::bigint AS tin, sum(sd."outputTokens")::bigint AS tout, sum(sd.credits)::bigint AS credits,
             COALESCE(sum((sd."inputTokens" * price.pin + sd."outputTokens" * price.pout) / 1e6), 0)::float8 AS cost,
             string_agg(DISTINCT CASE WHEN sd."credentialSource" = 'byok' AND price.pin IS NULL THEN sd.provider || ':' || sd.model END, ',') AS unpriced
      FROM usage_studio_daily sd
      ${price(Prisma.sql`sd.provider`, Prisma.sql`sd.model`, Prisma.sql`sd.day`, Prisma.sql`sd."credentialSource"`)}
      WHERE sd."workspaceId" = ${workspaceId} AND sd.day >= ${a.from}::date AND sd.day <= ${a.to}::date
        ${a.member ? Prisma.sql`AND sd."memberId" = ${a.member}` : Prisma.empty}
      GROUP BY 1, 2
      -- A group that holds a step counts its run; a row a moved step left behind is zeros only.
      HAVING sum(${STUDIO_RUNS[a.groupBy]}) > 0
    ) x
    GROUP BY period, grp
    ORDER BY period, grp`;
}

const FIXED_LABELS: Record<string, string> = {
  studio: 'Content Studio',
  gateway: 'Gateway',
  your_key: 'Your key',
  credits: 'Platform credits',
  fallback: 'Credits (fallback)',
};

/** Names for the groups' ids: token labels, key labels, member names. Removed ones still get a name. */
async function labelsFor(db: Db, workspaceId: string, groupBy: UsageGroup, ids: string[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  for (const id of ids) if (FIXED_LABELS[id]) labels.set(id, FIXED_LABELS[id]);
  const real = ids.filter((id) => id && !FIXED_LABELS[id]);
  if (groupBy === 'token') {
    const tokens = await db.runtimeToken.findMany({ where: { workspaceId, id: { in: real } }, select: { id: true, label: true, prefix: true } });
    for (const t of tokens) labels.set(t.id, `${t.label} (${t.prefix}…)`);
    for (const id of real) if (!labels.has(id)) labels.set(id, 'Deleted token');
    labels.set('', 'No token');
  } else if (groupBy === 'key') {
    const keys = await db.providerKey.findMany({ where: { workspaceId, id: { in: real } }, select: { id: true, provider: true, label: true } });
    for (const k of keys) labels.set(k.id, `${k.provider} · ${k.label}`);
    for (const id of real) if (!labels.has(id)) labels.set(id, 'Removed key');
    labels.set('', 'Platform credits');
  } else if (groupBy === 'member') {
    const users = await db.user.findMany({ where: { id: { in: real } }, select: { id: true, name: true, email: true } });
    for (const u of users) labels.set(u.id, u.name || u.email);
    for (const id of real) if (!labels.has(id)) labels.set(id, 'Former member');
    labels.set('gateway', 'Gateway tokens');
  }
  return labels;
}

/** Each key's estimated provider cost from the start of this month (UTC) to now: keyId → USD. */
export async function keySpendThisMonth(db: Db, workspaceId: string, now = new Date()): Promise<Map<string, number>> {
  const from = now.toISOString().slice(0, 8) + '01';
  const to = now.toISOString().slice(0, 10);
  const rows = await db.$queryRaw<Raw[]>(aggregateSql(workspaceId, { from, to, interval: 'month', groupBy: 'key', member: null }));
  return new Map(rows.filter((r) => r.grp).map((r) => [r.grp, Number(r.cost)]));
}
