// The usage report on a busy workspace (issue 19): a year of gateway calls (1M records, 100k with
// --quick) and Content Studio runs, then a month's breakdown timed through the service the page and the
// REST endpoint call. Target: p99 ≤ 100 ms on PostgreSQL.
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { usageReport } from '~/server/services/usage';
import type { WorkspaceCtx } from '~/server/services/context';
import { USAGE_GROUPS, type UsageGroup } from '~/lib/usage';
import { fmt, round, type Stats, stats } from './lib';

export type UsageBench = { calls: number; runs: number; seedSeconds: number; month: Record<UsageGroup, Stats>; memberMonth: Stats; year: Stats };

export async function usageBench(db: Db, workspaceId: string, quick: boolean): Promise<UsageBench> {
  const calls = quick ? 100_000 : 1_000_000;
  const runs = quick ? 2_000 : 20_000;
  const t0 = performance.now();
  const ownerId = await seedUsage(db, workspaceId, calls, runs);
  const seedSeconds = round((performance.now() - t0) / 1000);
  return { calls, runs, seedSeconds, ...(await timeUsage(db, workspaceId, ownerId, quick ? 100 : 300)) };
}

/** A year of gateway calls and Content Studio runs for one workspace; returns its owner's id. */
export async function seedUsage(db: Db, workspaceId: string, calls: number, runs: number): Promise<string> {
  const owner = await db.membership.findFirstOrThrow({ where: { workspaceId, role: 'owner' }, select: { userId: true } });
  const tokens = Array.from({ length: 5 }, () => newId());
  for (const [i, id] of tokens.entries()) {
    await db.runtimeToken.create({ data: { id, workspaceId, label: `bench-${i}`, prefix: `byok_rt_b${i}`, hash: Buffer.from(newId()), createdById: owner.userId } });
  }
  // One statement, as the recorder's batches are: the rollup trigger sees all of them at once. The calls
  // are spread over the last 365 days, 5 tokens, 3 keys, 20 models, both credential kinds.
  await db.$executeRaw`
    INSERT INTO gateway_call (id, "workspaceId", "tokenId", provider, operation, model, "credentialSource", "keyId", status, outcome,
                              "inputTokens", "outputTokens", credits, "latencyMs", "createdAt")
    SELECT 'bc' || g, ${workspaceId}, (${tokens}::text[])[1 + g % 5], 'openai', 'chat', 'model-' || (g % 20),
           CASE WHEN g % 3 = 0 THEN 'managed' ELSE 'byok' END, CASE WHEN g % 3 = 0 THEN NULL ELSE 'bench-key-' || (g % 3) END,
           200, 'ok', 100 + g % 900, 20 + g % 400, CASE WHEN g % 3 = 0 THEN 1 + g % 7 ELSE 0 END, 50,
           now()::timestamp(3) - (g % 365) * interval '1 day' - (g % 86400) * interval '1 second'
    FROM generate_series(1, ${calls}) AS g`;
  await db.$executeRaw`
    INSERT INTO generation_run (id, "workspaceId", "actorId", prompt, status, "createdAt", "heartbeatAt")
    SELECT 'br' || g, ${workspaceId}, ${owner.userId}, 'bench', 'succeeded', now()::timestamp(3) - (g % 365) * interval '1 day', now()
    FROM generate_series(1, ${runs}) AS g`;
  await db.$executeRaw`
    INSERT INTO generation_step (id, "runId", kind, provider, "modelId", "credentialSource", status, "inputTokens", "outputTokens", credits)
    SELECT 'bs' || g || '-' || k, 'br' || g, CASE k WHEN 0 THEN 'script' ELSE 'image' END, 'anthropic', 'claude-haiku-4-5-20251001',
           'managed', 'succeeded', 300, 800, 5
    FROM generate_series(1, ${runs}) AS g, generate_series(0, 1) AS k`;
  await db.$executeRawUnsafe('ANALYZE gateway_call, usage_daily, generation_run, generation_step');
  return owner.userId;
}

export async function timeUsage(db: Db, workspaceId: string, ownerId: string, n: number): Promise<Pick<UsageBench, 'month' | 'memberMonth' | 'year'>> {
  const ctxAs = (role: 'owner' | 'member') =>
    ({ db, actor: { id: ownerId, name: 'Bench', email: 'bench@bench.test', clientIp: null }, workspace: { id: workspaceId, role } }) as unknown as WorkspaceCtx;
  let ctx = ctxAs('owner');
  const today = new Date();
  const day = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const time = async (n: number, query: Parameters<typeof usageReport>[1]) => {
    for (let i = 0; i < 5; i++) await usageReport(ctx, query); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await usageReport(ctx, query);
      samples.push(performance.now() - s);
    }
    return stats(samples);
  };
  // Every grouping the page offers, a month per day.
  const month = {} as Record<UsageGroup, Stats>;
  for (const groupBy of USAGE_GROUPS) month[groupBy] = await time(n, { from: day(30), to: day(0), groupBy, interval: 'day' });
  const year = await time(Math.ceil(n / 3), { from: day(364), to: day(0), groupBy: 'token', interval: 'month' });
  // A member's own view: the same month, filtered to their runs.
  ctx = ctxAs('member');
  const memberMonth = await time(n, { from: day(30), to: day(0), groupBy: 'model', interval: 'day' });
  return { month, memberMonth, year };
}

export function usageRows(u: UsageBench): [string, string, string, boolean | null][] {
  const met = (s: Stats) => s.p99 <= 100 && s.errors === 0;
  return [
    ...USAGE_GROUPS.map((g, i): [string, string, string, boolean | null] => [
      `Usage, a month by ${g} per day${i === 0 ? ` (${u.calls / 1e6}M calls, ${u.runs / 1e3}k runs; p50/p99/max ms)` : ''}`, fmt(u.month[g]), 'p99 ≤ 100', met(u.month[g]),
    ]),
    ["Usage, a member's own month by model per day", fmt(u.memberMonth), 'p99 ≤ 100', met(u.memberMonth)],
    ['Usage, a year by token per month (p50/p99/max ms)', fmt(u.year), '—', null],
    ['  seeding the calls and runs (s)', String(u.seedSeconds), '—', null],
  ];
}
