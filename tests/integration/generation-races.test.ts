// Runs racing for one balance: meaningful only with a pool of connections (PostgreSQL; PGlite has one).
import { expect, it } from 'vitest';
import type { RunEvent } from '~/lib/schemas/generation';
import { getBalance } from '~/server/services/credits';
import { startGeneration } from '~/server/services/generation/run';
import { seeded, watchCredits } from '../helpers/credit-watch';
import { describePostgres } from '../helpers/db';
import { createUser } from '../helpers/fixtures';
import { collect, finished } from '../helpers/runs';

await describePostgres('generation under concurrency', (getDb) => {
  const t = { get db() { return getDb().db; } };

  /** A Free workspace whose balance is exactly `credits`, recorded in the ledger as a grant. */
  async function workspaceWith(name: string, credits: number) {
    const u = await createUser(t.db, name);
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const balance = await getBalance(t.db, ws.id);
    await t.db.workspace.update({ where: { id: ws.id }, data: { creditBalance: credits } });
    await t.db.creditLedger.create({ data: { id: `adj-${u.id}`, workspaceId: ws.id, amount: credits - balance, kind: 'grant', reason: 'test', idempotencyKey: `adj-${u.id}` } });
    return { u, ws };
  }

  it('keeps the balance exact when 20 managed runs start at once against a balance that covers 5', async () => {
    const u = await createUser(t.db, 'Studio race');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const input = { prompt: 'race', choice: { source: 'platform' as const, platformModelId: 'openai:gpt-4.1-mini' }, imageCount: 0 };
    // Find one run's reservation, then make the balance cover exactly five of them.
    const probe = await startGeneration({ db: t.db, actor: u, workspace: ws }, input);
    await probe.next();
    const need = (await t.db.creditReservation.findFirstOrThrow({ where: { workspaceId: ws.id }, orderBy: { createdAt: 'desc' } })).amount;
    await probe.return(undefined as never);
    const balance = await getBalance(t.db, ws.id);
    await t.db.workspace.update({ where: { id: ws.id }, data: { creditBalance: 5 * need } });
    await t.db.creditLedger.create({ data: { id: `race-${u.id}`, workspaceId: ws.id, amount: 5 * need - balance, kind: 'grant', reason: 'test', idempotencyKey: `race-${u.id}` } });

    // All 20 reserve before any of them runs: a run that finished early would return its unused credits
    // and let a later start through, which is right but not what this test counts.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => startGeneration({ db: t.db, actor: u, workspace: ws }, input)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'insufficient_credits' });
    const runs = await Promise.all(ok.map((r) => collect((r as PromiseFulfilledResult<AsyncGenerator<RunEvent>>).value)));
    const charged = runs.reduce((sum, events) => sum + finished(events).creditsUsed, 0);
    const after = await getBalance(t.db, ws.id);
    expect(after).toBe(5 * need - charged);
    expect(after).toBeGreaterThanOrEqual(0);
    const ledger = await t.db.creditLedger.aggregate({ where: { workspaceId: ws.id }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe(after);
  });

  it('keeps the balance exact while runs settle and cancel in between new runs reserving', async () => {
    const input = { prompt: 'interleave', choice: { source: 'platform' as const, platformModelId: 'openai:gpt-4.1-mini' }, imageCount: 0 };
    // Find one run's reservation, then make the balance cover three at once (and a bit): a run reserves
    // its worst case and is charged far less, so later runs get through as earlier ones settle.
    const sizing = await workspaceWith('Studio sizing', 250);
    const probe = await startGeneration({ db: t.db, actor: sizing.u, workspace: sizing.ws }, input);
    await probe.next();
    const need = (await t.db.creditReservation.aggregate({ where: { workspaceId: sizing.ws.id, status: 'held' }, _sum: { amount: true } }))._sum.amount!;
    await probe.return(undefined as never);

    const { u, ws } = await workspaceWith('Studio interleave', 3 * need + 2);
    const random = seeded(7);
    const watch = watchCredits(t.db, ws.id);
    const order: string[] = [];
    let refused = 0;
    const runs: RunEvent[][] = [];
    // 24 runs started over 600 ms, each read to its end as soon as it starts, so
    // earlier runs settle (or release, when cancelled) while later ones reserve. The second half also waits
    // for a first run to close, so they reserve after one settled however slowly this machine streams.
    let firstClosed!: () => void;
    const oneClosed = new Promise<void>((r) => (firstClosed = r));
    const one = async (i: number) => {
      await new Promise((r) => setTimeout(r, i * 25 + Math.floor(random() * 25)));
      if (i >= 12) await oneClosed;
      const controller = new AbortController();
      let gen: AsyncGenerator<RunEvent>;
      try {
        gen = await startGeneration({ db: t.db, actor: u, workspace: ws }, input, controller.signal);
      } catch (e) {
        expect(e).toMatchObject({ reason: 'insufficient_credits' });
        refused++;
        order.push('refused');
        return;
      }
      order.push('reserved');
      const events: RunEvent[] = [];
      for await (const e of gen) {
        events.push(e);
        if (i % 4 === 0 && e.type === 'delta') controller.abort(); // every fourth run is cancelled mid-stream
      }
      order.push('closed');
      firstClosed();
      runs.push(events);
    };
    let watched;
    try {
      await Promise.all(Array.from({ length: 24 }, (_, i) => one(i)));
    } finally {
      watched = await watch.stop();
    }

    // It interleaved: runs finished before later runs reserved, some were refused, some were cancelled.
    expect(order.indexOf('closed')).toBeLessThan(order.lastIndexOf('reserved'));
    expect(refused).toBeGreaterThan(0);
    expect(runs.length + refused).toBe(24);
    expect(runs.some((events) => finished(events).status === 'cancelled')).toBe(true);
    expect(runs.filter((events) => finished(events).status === 'succeeded').length).toBeGreaterThan(3);
    expect(watched.count).toBeGreaterThan(10);
    expect(watched.broken).toEqual([]);

    const charged = runs.reduce((sum, events) => sum + finished(events).creditsUsed, 0);
    expect(await getBalance(t.db, ws.id)).toBe(3 * need + 2 - charged);
    const ledger = await t.db.creditLedger.aggregate({ where: { workspaceId: ws.id }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe(3 * need + 2 - charged);
    expect(await t.db.creditReservation.count({ where: { workspaceId: ws.id, status: 'held' } })).toBe(0);
    const recorded = await t.db.generationRun.aggregate({ where: { workspaceId: ws.id }, _sum: { creditsUsed: true }, _count: true });
    expect(recorded).toMatchObject({ _count: runs.length, _sum: { creditsUsed: charged } });
  });
});
