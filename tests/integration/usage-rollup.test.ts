// The Content Studio rollup (usage_studio_daily, issue 19) follows the steps as the runs write them:
// inserted pending, updated with their usage, a fallback step added later, several writers at once. After
// each change the report must equal the sums of the steps, and the rollup a recount from scratch.
import { beforeEach, expect, it } from 'vitest';
import { USAGE_GROUPS, type UsageGroup } from '~/lib/usage';
import { newId } from '~/server/ids';
import { usageReport } from '~/server/services/usage';
import type { WorkspaceCtx } from '~/server/services/context';
import type { Db } from '~/server/db/connect';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { proWorkspace } from '../helpers/fixtures';

const DAY1 = '2026-04-01';
const DAY2 = '2026-04-02';

type Step = { runId: string; status: string; provider: string; modelId: string; credentialSource: string; keyId: string | null; inputTokens: number | null; outputTokens: number | null; credits: number };
type Run = { id: string; actorId: string; createdAt: Date };

/** What the report should say, worked out from the step records themselves. */
function expected(runs: Run[], steps: Step[], groupBy: UsageGroup, interval: 'day' | 'month') {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const cred = (s: string) => (s === 'byok' ? 'your_key' : s === 'managed_fallback' ? 'fallback' : 'credits');
  const group = (s: Step, r: Run) =>
    ({ source: 'studio', token: 'studio', key: s.keyId ?? '', member: r.actorId, model: `${s.provider}:${s.modelId}`, credential: cred(s.credentialSource) })[groupBy];
  const rows = new Map<string, { period: string; group: string; calls: number; runs: Set<string>; inputTokens: number; outputTokens: number; credits: number }>();
  for (const s of steps) {
    const r = byId.get(s.runId)!;
    const period = r.createdAt.toISOString().slice(0, interval === 'day' ? 10 : 7);
    const k = `${period}|${group(s, r)}`;
    const row = rows.get(k) ?? { period, group: group(s, r), calls: 0, runs: new Set<string>(), inputTokens: 0, outputTokens: 0, credits: 0 };
    row.calls += ['pending', 'skipped'].includes(s.status) ? 0 : 1;
    row.runs.add(r.id);
    row.inputTokens += s.inputTokens ?? 0;
    row.outputTokens += s.outputTokens ?? 0;
    row.credits += s.credits;
    rows.set(k, row);
  }
  return byPeriodAndGroup([...rows.values()].map((r) => ({ ...r, runs: r.runs.size })));
}
// The database orders groups by its collation; compared in one order here.
const byPeriodAndGroup = <T extends { period: string; group: string }>(rows: T[]) =>
  rows.sort((a, b) => (a.period === b.period ? (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) : a.period < b.period ? -1 : 1));

await describeEachDb('usage rollup of Content Studio steps', (getDb) => {
  const t = { get db() { return getDb().db; } };
  beforeEach(serveFromTestDb(getDb));

  async function world() {
    const { owner, member, workspaceId } = await proWorkspace(t.db, `Rollup ${newId().slice(0, 5)}`);
    const ctx = { db: t.db, actor: owner, workspace: { id: workspaceId, role: 'owner' } } as unknown as WorkspaceCtx;
    return { owner, member, workspaceId, ctx };
  }

  async function newRun(workspaceId: string, actorId: string, day: string) {
    const id = newId();
    await t.db.generationRun.create({ data: { id, workspaceId, actorId, prompt: 'p', status: 'running', createdAt: new Date(`${day}T10:00:00Z`) } });
    return id;
  }

  /** The report, for every grouping and interval, against the records; and the rollup against a recount. */
  async function expectConsistent(ctx: WorkspaceCtx) {
    const runs = await t.db.generationRun.findMany({ where: { workspaceId: ctx.workspace.id }, select: { id: true, actorId: true, createdAt: true } });
    const steps = await t.db.generationStep.findMany({ where: { run: { workspaceId: ctx.workspace.id } } });
    for (const groupBy of USAGE_GROUPS) {
      for (const interval of ['day', 'month'] as const) {
        const r = await usageReport(ctx, { from: DAY1, to: DAY2, groupBy, interval });
        const got = byPeriodAndGroup(r.rows).map(({ period, group, calls, runs, inputTokens, outputTokens, credits }) => ({ period, group, calls, runs, inputTokens, outputTokens, credits }));
        expect(got, `${groupBy} per ${interval}`).toEqual(expected(runs, steps, groupBy, interval));
        expect(r.totals.runs, `${groupBy} per ${interval}`).toBe(new Set(steps.map((s) => s.runId)).size);
      }
    }
    await expectRollupIsRecount(t.db, ctx.workspace.id);
  }

  it('follows a run whose steps are inserted pending, then get their usage, a fallback step and a new model', async () => {
    const w = await world();
    // Nothing yet: no rows.
    await expectConsistent(w.ctx);

    // Queued: both steps in one statement, pending, no usage yet — a run, no calls.
    const runA = await newRun(w.workspaceId, w.owner.id, DAY1);
    const [script, image] = [newId(), newId()];
    await t.db.generationStep.createMany({
      data: [
        { id: script, runId: runA, kind: 'script', provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', credentialSource: 'byok', keyId: 'key-a' },
        { id: image, runId: runA, kind: 'image', provider: 'google', modelId: 'gemini-3.1-flash-image-preview', credentialSource: 'managed' },
      ],
    });
    await expectConsistent(w.ctx);
    const early = await usageReport(w.ctx, { from: DAY1, to: DAY2, groupBy: 'source', interval: 'month' });
    expect(early.totals).toMatchObject({ calls: 0, runs: 1, inputTokens: 0 });

    // Running, then done with its usage: updates after the insert.
    await t.db.generationStep.update({ where: { id: script }, data: { status: 'running' } });
    await expectConsistent(w.ctx);
    await t.db.generationStep.update({ where: { id: script }, data: { status: 'succeeded', inputTokens: 120, outputTokens: 480 } });
    await t.db.generationStep.update({ where: { id: script }, data: { text: 'a script' } });
    await expectConsistent(w.ctx);

    // The key failed for the image: a fallback step on credits joins the run in its own statement, and
    // the pending image step is skipped.
    await t.db.generationStep.create({
      data: { id: newId(), runId: runA, kind: 'image', provider: 'google', modelId: 'gemini-3.1-flash-image-preview', credentialSource: 'managed_fallback', status: 'succeeded', credits: 20 },
    });
    await t.db.generationStep.update({ where: { id: image }, data: { status: 'skipped' } });
    await expectConsistent(w.ctx);

    // A member's run on the next day, with the same model on two keys; then one step moves to another model.
    const runB = await newRun(w.workspaceId, w.member.id, DAY2);
    const b1 = newId();
    await t.db.generationStep.createMany({
      data: [
        { id: b1, runId: runB, kind: 'script', provider: 'openai', modelId: 'gpt-4.1-mini', credentialSource: 'byok', keyId: 'key-b', status: 'succeeded', inputTokens: 5, outputTokens: 6 },
        { id: newId(), runId: runB, kind: 'script', provider: 'openai', modelId: 'gpt-4.1-mini', credentialSource: 'byok', keyId: 'key-c', status: 'failed', inputTokens: 1, outputTokens: 0 },
      ],
    });
    await expectConsistent(w.ctx);
    await t.db.generationStep.update({ where: { id: b1 }, data: { modelId: 'gpt-4.1', keyId: null, credentialSource: 'platform', credits: 4 } });
    await expectConsistent(w.ctx);

    // Every step of a run at once, as cancelling does.
    await t.db.generationStep.updateMany({ where: { runId: runB }, data: { status: 'cancelled' } });
    await expectConsistent(w.ctx);

    // A member sees their own run only, from the same rollup.
    const mine = await usageReport({ ...w.ctx, actor: w.member, workspace: { id: w.workspaceId, role: 'member' } } as unknown as WorkspaceCtx, { from: DAY1, to: DAY2, groupBy: 'model' });
    expect(mine.scope).toBe('own');
    expect(mine.totals).toMatchObject({ runs: 1, calls: 2, inputTokens: 6, outputTokens: 6, credits: 4 });
  });

  it('counts a run once per group when its steps are written by several writers at once', async () => {
    const w = await world();
    const run = await newRun(w.workspaceId, w.owner.id, DAY1);
    // Twelve steps of one run inserted concurrently (on PostgreSQL, from the pool's connections), half on one
    // model and half on another; then all updated concurrently.
    const ids = Array.from({ length: 12 }, () => newId());
    await Promise.all(
      ids.map((id, i) =>
        t.db.generationStep.create({
          data: { id, runId: run, kind: 'script', provider: 'openai', modelId: i % 2 ? 'gpt-4.1' : 'gpt-4.1-mini', credentialSource: i % 3 ? 'byok' : 'managed', keyId: i % 3 ? `key-${i % 2}` : null },
        }),
      ),
    );
    await Promise.all(ids.map((id, i) => t.db.generationStep.update({ where: { id }, data: { status: 'succeeded', inputTokens: i, outputTokens: 2 * i, credits: i % 3 ? 0 : 1 } })));
    await expectConsistent(w.ctx);
    const byModel = await usageReport(w.ctx, { from: DAY1, to: DAY1, groupBy: 'model', interval: 'month' });
    expect(byModel.rows.map((r) => [r.group, r.runs, r.calls])).toEqual([['openai:gpt-4.1', 1, 6], ['openai:gpt-4.1-mini', 1, 6]]);
    expect(byModel.totals).toMatchObject({ runs: 1, calls: 12, inputTokens: 66, outputTokens: 132, credits: 4 });
  });
});

/** The rollup rows equal what the migration's backfill would compute from the steps now (zero rows aside). */
async function expectRollupIsRecount(db: Db, workspaceId: string) {
  const kept = await db.$queryRaw<unknown[]>`
    SELECT day::text, "memberId", "keyId", provider, model, "credentialSource", calls::int, runs::int, "runsByKey"::int, "runsByModel"::int,
           "runsByCredential"::int, "inputTokens"::int, "outputTokens"::int, credits::int
    FROM usage_studio_daily
    WHERE "workspaceId" = ${workspaceId} AND (calls, runs, "runsByKey", "runsByModel", "runsByCredential", "inputTokens", "outputTokens", credits) <> (0, 0, 0, 0, 0, 0, 0, 0)
    ORDER BY 1, 2, 3, 4, 5, 6`;
  const recount = await db.$queryRaw<unknown[]>`
    SELECT x.day::text, x."memberId", x."keyId", x.provider, x.model, x."credentialSource", sum(x.calls)::int AS calls, sum(x.runs)::int AS runs,
           sum(x."runsByKey")::int AS "runsByKey", sum(x."runsByModel")::int AS "runsByModel", sum(x."runsByCredential")::int AS "runsByCredential",
           sum(x."inputTokens")::int AS "inputTokens", sum(x."outputTokens")::int AS "outputTokens", sum(x.credits)::int AS credits
    FROM (SELECT array_agg(s) AS steps FROM generation_step s JOIN generation_run r ON r.id = s."runId" WHERE r."workspaceId" = ${workspaceId} GROUP BY s."runId") g
    CROSS JOIN LATERAL byok_usage_studio_rows(g.steps) x
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6`;
  expect(kept).toEqual(recount);
}
