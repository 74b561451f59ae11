// The usage report (issue 19): its numbers are the sums of the call records, the Content Studio steps and
// the credit ledger; members see only their own runs; bad queries are refused with a clear 400.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { flushCalls, recordCall, type CallRecord } from '~/server/gateway/calls';
import { newId } from '~/server/ids';
import { reserve, settle } from '~/server/services/credits';
import { setModelPrice } from '~/server/services/model-prices';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import type { Db } from '~/server/db/connect';
import { callRest, createTestApp, type TestApp } from '../helpers/api-server';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { callerFor, createUser, proWorkspace } from '../helpers/fixtures';
import { insertKey } from '../helpers/procedures';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const DAY1 = '2026-03-10';
const DAY2 = '2026-03-11';
const at = (day: string, hh = 12) => new Date(`${day}T${String(hh).padStart(2, '0')}:00:00Z`);

const call = (workspaceId: string, r: Partial<CallRecord>): CallRecord => ({
  workspaceId, provider: 'openai', operation: 'chat', model: 'gpt-4.1-mini', credentialSource: 'byok', status: 200, latencyMs: 10, ...r,
});

/** Calls inserted in one statement per batch, as the recorder writes them, dated (the recorder stamps "now"). */
async function insertCalls(db: Db, day: string, rows: CallRecord[]) {
  await db.gatewayCall.createMany({ data: rows.map((r) => ({ ...r, id: newId(), createdAt: at(day) })) });
}

async function insertRun(db: Db, workspaceId: string, actorId: string, day: string, steps: { provider: string; modelId: string; credentialSource: string; keyId?: string; inputTokens: number; outputTokens: number; credits: number; status?: string }[]) {
  const runId = newId();
  await db.generationRun.create({ data: { id: runId, workspaceId, actorId, prompt: 'p', status: 'succeeded', createdAt: at(day, 9) } });
  for (const s of steps) {
    await db.generationStep.create({ data: { id: newId(), runId, kind: 'script', status: s.status ?? 'succeeded', ...s } });
  }
  return runId;
}

await describeEachDb('usage report', (getDb) => {
  const t = { get db() { return getDb().db; } };
  beforeEach(serveFromTestDb(getDb));

  async function world() {
    const { owner, member, workspaceId } = await proWorkspace(t.db, `Usage ${newId().slice(0, 5)}`);
    const ctx = { db: t.db, actor: owner, workspace: { id: workspaceId, role: 'owner' as const } };
    const tokenA = (await createRuntimeToken(ctx, { label: 'ci' })).info;
    const tokenB = (await createRuntimeToken(ctx, { label: 'staging' })).info;
    const keyId = await insertKey({ db: t.db, workspaceId, owner });
    await insertCalls(t.db, DAY1, [
      call(workspaceId, { tokenId: tokenA.id, keyId, inputTokens: 1_000_000, outputTokens: 500_000 }),
      call(workspaceId, { tokenId: tokenA.id, keyId, inputTokens: 200, outputTokens: 100 }),
      call(workspaceId, { tokenId: tokenB.id, credentialSource: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 300, outputTokens: 40, credits: 7 }),
      call(workspaceId, { tokenId: tokenB.id, model: 'my-finetune', keyId, inputTokens: 10, outputTokens: 10 }),
    ]);
    // A second batch for the same day and group adds to the same rollup row.
    await insertCalls(t.db, DAY2, [
      call(workspaceId, { tokenId: tokenA.id, keyId, inputTokens: 1_000_000, outputTokens: 0 }),
      call(workspaceId, { tokenId: tokenA.id, credentialSource: 'managed', model: 'gpt-4.1', inputTokens: 5, outputTokens: 5, credits: 3, status: 429, outcome: 'upstream_error' }),
    ]);
    await insertCalls(t.db, DAY2, [call(workspaceId, { tokenId: tokenA.id, keyId, inputTokens: 1, outputTokens: 1 })]);
    await insertRun(t.db, workspaceId, owner.id, DAY1, [
      { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', credentialSource: 'managed', inputTokens: 100, outputTokens: 200, credits: 11 },
      { provider: 'google', modelId: 'gemini-3.1-flash-image-preview', credentialSource: 'managed', inputTokens: 0, outputTokens: 0, credits: 20 },
    ]);
    await insertRun(t.db, workspaceId, member.id, DAY2, [
      { provider: 'openai', modelId: 'gpt-4.1-mini', credentialSource: 'byok', keyId, inputTokens: 1_000_000, outputTokens: 1_000_000, credits: 0 },
      { provider: 'anthropic', modelId: 'claude-sonnet-4-20250514', credentialSource: 'managed_fallback', inputTokens: 50, outputTokens: 60, credits: 5 },
      { provider: 'google', modelId: 'gemini-3.1-flash-image-preview', credentialSource: 'managed', inputTokens: 0, outputTokens: 0, credits: 0, status: 'skipped' },
    ]);
    return { owner, member, workspaceId, tokenA, tokenB, keyId };
  }

  it('equals the sums of the call records and the steps, whatever the grouping', async () => {
    const w = await world();
    const caller = callerFor(t.db, w.owner);
    const [calls] = await t.db.$queryRaw<{ n: bigint; tin: bigint; tout: bigint; credits: bigint }[]>`
      SELECT count(*) AS n, sum("inputTokens") AS tin, sum("outputTokens") AS tout, sum(credits) AS credits FROM gateway_call WHERE "workspaceId" = ${w.workspaceId}`;
    const steps = await t.db.generationStep.findMany({ where: { run: { workspaceId: w.workspaceId } } });
    const expected = {
      calls: Number(calls!.n) + steps.filter((s) => s.status !== 'skipped').length,
      runs: 2,
      inputTokens: Number(calls!.tin) + steps.reduce((a, s) => a + (s.inputTokens ?? 0), 0),
      outputTokens: Number(calls!.tout) + steps.reduce((a, s) => a + (s.outputTokens ?? 0), 0),
      credits: Number(calls!.credits) + steps.reduce((a, s) => a + s.credits, 0),
    };
    // Your-key usage at list price: gpt-4.1-mini is $0.40 in, $1.60 out per 1M tokens. my-finetune has no price.
    const byokMini = { tin: 1_000_000 + 200 + 1_000_000 + 1 + 1_000_000, tout: 500_000 + 100 + 1 + 1_000_000 };
    const cost = Math.round(((byokMini.tin * 0.4 + byokMini.tout * 1.6) / 1e6) * 10_000) / 10_000;

    for (const groupBy of ['source', 'token', 'key', 'member', 'model', 'credential'] as const) {
      for (const interval of ['day', 'month'] as const) {
        const r = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy, interval });
        expect(r.scope).toBe('workspace');
        expect(r.totals).toEqual({ ...expected, estimatedCostUsd: cost });
        const sum = (k: 'calls' | 'inputTokens' | 'outputTokens' | 'credits') => r.rows.reduce((a, row) => a + row[k], 0);
        expect({ calls: sum('calls'), inputTokens: sum('inputTokens'), outputTokens: sum('outputTokens'), credits: sum('credits') }).toEqual({
          calls: expected.calls, inputTokens: expected.inputTokens, outputTokens: expected.outputTokens, credits: expected.credits,
        });
        expect(r.rows.reduce((a, row) => a + row.estimatedCostUsd, 0)).toBeCloseTo(cost, 3);
        expect(r.unpricedModels).toEqual(['openai:my-finetune']);
        expect(new Set(r.rows.map((row) => row.period))).toEqual(new Set(interval === 'day' ? [DAY1, DAY2] : ['2026-03']));
      }
    }

    const bySource = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'source', interval: 'month' });
    expect(bySource.rows.map((r) => [r.label, r.calls, r.runs, r.credits])).toEqual([
      ['Gateway', 7, 0, 10],
      ['Content Studio', 4, 2, 36],
    ]);
    const byCredential = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'credential', interval: 'month' });
    expect(Object.fromEntries(byCredential.rows.map((r) => [r.label, r.credits]))).toEqual({ 'Platform credits': 41, 'Credits (fallback)': 5, 'Your key': 0 });
    const byToken = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'token', interval: 'month' });
    expect(byToken.rows.map((r) => r.label).sort()).toEqual(['Content Studio', `ci (${w.tokenA.prefix}…)`, `staging (${w.tokenB.prefix}…)`]);
    const byMember = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'member', interval: 'month' });
    expect(byMember.rows.map((r) => r.label).sort()).toEqual(['Gateway tokens', w.member.name, w.owner.name].sort());

    // One day only.
    const day1 = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY1 });
    expect(day1.totals.calls).toBe(4 + 2);
    expect(day1.totals.runs).toBe(1);
  });

  it('counts gateway calls that platform credits served under the fallback policy as fallback', async () => {
    const w = await world();
    const caller = callerFor(t.db, w.owner);
    const fallback = async () =>
      (await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'credential', interval: 'month' })).rows.find((r) => r.label === 'Credits (fallback)')?.credits ?? 0;
    const before = await fallback();
    await t.db.gatewayCall.create({
      data: {
        id: newId(), workspaceId: w.workspaceId, provider: 'openai', operation: 'chat', model: 'gpt-4.1-mini', credentialSource: 'managed_fallback',
        fallbackPolicy: 'always', status: 200, latencyMs: 5, credits: 3, createdAt: new Date(`${DAY1}T12:00:00Z`),
      },
    });
    expect(await fallback()).toBe(before + 3);
  });

  it('prices each day at the price in effect that day', async () => {
    const w = await world();
    const caller = callerFor(t.db, w.owner);
    await setModelPrice(t.db, { provider: 'openai', modelId: 'gpt-4.1-mini', inputUsdPer1M: 1, outputUsdPer1M: 2, effectiveFrom: DAY2 });
    await expect(setModelPrice(t.db, { provider: 'openai', modelId: 'gpt-4.1-mini', inputUsdPer1M: -1, outputUsdPer1M: 2, effectiveFrom: DAY2 })).rejects.toMatchObject({ reason: 'invalid_price' });
    const r = await caller.usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'source', interval: 'day' });
    const gw1 = r.rows.find((x) => x.period === DAY1 && x.group === 'gateway')!;
    const gw2 = r.rows.find((x) => x.period === DAY2 && x.group === 'gateway')!;
    const studio2 = r.rows.find((x) => x.period === DAY2 && x.group === 'studio')!;
    expect(gw1.estimatedCostUsd).toBeCloseTo((1_000_200 * 0.4 + 500_100 * 1.6) / 1e6, 4);
    expect(gw2.estimatedCostUsd).toBeCloseTo((1_000_001 * 1 + 1 * 2) / 1e6, 4);
    expect(studio2.estimatedCostUsd).toBeCloseTo((1_000_000 * 1 + 1_000_000 * 2) / 1e6, 4);
  });

  it('shows a member only their own Content Studio runs', async () => {
    const w = await world();
    const r = await callerFor(t.db, w.member).usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'member' });
    expect(r.scope).toBe('own');
    expect(r.rows.map((x) => x.group)).toEqual([w.member.id]);
    expect(r.totals).toMatchObject({ calls: 2, runs: 1, inputTokens: 1_000_050, outputTokens: 1_000_060, credits: 5 });
    const bySource = await callerFor(t.db, w.member).usage.report({ workspaceId: w.workspaceId, from: DAY1, to: DAY2, groupBy: 'source' });
    expect(bySource.rows.map((x) => x.group)).toEqual(['studio']);
  });

  it('refuses another workspace, and bad ranges or groupings, with clear errors', async () => {
    const w = await world();
    const outsider = await createUser(t.db, 'Usage outsider');
    await expect(callerFor(t.db, outsider).usage.report({ workspaceId: w.workspaceId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const caller = callerFor(t.db, w.owner);
    const bad = [
      [{ from: DAY2, to: DAY1 }, 'from must be on or before to'],
      [{ from: '2025-01-01', to: '2026-01-02' }, 'A report covers at most 366 days'],
      // One end alone: the other defaults to around today, and the span is still limited.
      [{ from: '0001-01-01' }, 'A report covers at most 366 days'],
      [{ to: '2999-12-31' }, 'A report covers at most 366 days'],
      [{ from: '2026-02-30' }, 'Use a date as YYYY-MM-DD'],
      [{ groupBy: 'provider' }, 'group_by is one of'],
      [{ interval: 'week' }, 'interval is one of'],
    ] as const;
    for (const [q, message] of bad) {
      await expect(caller.usage.report({ workspaceId: w.workspaceId, ...(q as object) })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(message) });
    }
    // A whole leap year is fine.
    await expect(caller.usage.report({ workspaceId: w.workspaceId, from: '2028-01-01', to: '2028-12-31' })).resolves.toMatchObject({ rows: [] });
  });

  it('answers over REST in snake_case, marks the cost as an estimate, and refuses bad queries with 400', async () => {
    const w = await world();
    const token = (await callerFor(t.db, w.owner).account.createToken({ name: 'usage' })).token;
    const url = `/api/workspaces/${w.workspaceId}/usage`;
    const ok = await callRest(app, { method: 'GET', url: `${url}?from=${DAY1}&to=${DAY2}&group_by=credential&interval=month`, token });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ from: DAY1, to: DAY2, group_by: 'credential', interval: 'month', scope: 'workspace', cost_is_estimate: true, unpriced_models: ['openai:my-finetune'] });
    expect((ok.json.totals as Record<string, number>).credits).toBe(46);
    expect((ok.json.data as { label: string }[]).map((d) => d.label).sort()).toEqual(['Credits (fallback)', 'Platform credits', 'Your key']);
    const dflt = await callRest(app, { method: 'GET', url, token });
    expect(dflt.status).toBe(200);
    expect(dflt.json).toMatchObject({ group_by: 'source', interval: 'day' });
    const before = await t.db.usageDaily.count();
    for (const q of [`from=${DAY2}&to=${DAY1}`, 'from=2020-01-01&to=2026-01-01', 'group_by=provider', 'from=yesterday']) {
      const r = await callRest(app, { method: 'GET', url: `${url}?${q}`, token });
      expect(r.status, q).toBe(400);
      expect((r.json.error as { message: string }).message, q).toMatch(/from must|366 days|group_by is one of|YYYY-MM-DD/);
    }
    expect(await t.db.usageDaily.count()).toBe(before);
    const other = await createUser(t.db, 'REST outsider');
    const otherToken = (await callerFor(t.db, other).account.createToken({ name: 'x' })).token;
    expect((await callRest(app, { method: 'GET', url, token: otherToken })).status).toBe(404);
  });

  it('counts managed gateway credits exactly as the ledger charged them', async () => {
    const w = await world();
    await t.db.workspace.update({ where: { id: w.workspaceId }, data: { creditBalance: 1000 } });
    const day = new Date().toISOString().slice(0, 10);
    // Reserve, settle at the reported cost and record the call with what was charged: the gateway's path.
    const charged: number[] = [];
    for (const actual of [3, 0, 12, 40]) {
      const r = await reserve(t.db, { workspaceId: w.workspaceId, amount: 20, purpose: 'gateway call' });
      const s = await settle(t.db, { workspaceId: w.workspaceId, reservationId: r.id, actual });
      charged.push(s.charged);
    }
    // Through the recorder itself this time: its batch insert feeds the rollup too.
    for (const credits of charged) recordCall(t.db, call(w.workspaceId, { tokenId: w.tokenA.id, credentialSource: 'managed', credits }));
    await flushCalls(t.db);
    const r = await callerFor(t.db, w.owner).usage.report({ workspaceId: w.workspaceId, from: day, to: day, groupBy: 'credential' });
    const ledger = await t.db.creditLedger.aggregate({ where: { workspaceId: w.workspaceId, kind: { in: ['reserve', 'settle', 'release'] } }, _sum: { amount: true } });
    expect(r.totals.credits).toBe(-(ledger._sum.amount ?? 0));
    expect(r.totals.credits).toBe(3 + 0 + 12 + 40);
  });
});
