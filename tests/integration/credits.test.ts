import { expect, it, vi } from 'vitest';
import { log } from '~/server/log';
import { maintenance } from '~/server/jobs';
import {
  getBalance,
  grant,
  release,
  releaseExpiredReservations,
  reserve,
  settle,
} from '~/server/services/credits';
import type { Db } from '~/server/db/connect';
import { seeded, watchCredits } from '../helpers/credit-watch';
import { describeEachDb, describePostgres } from '../helpers/db';
import { createUser } from '../helpers/fixtures';

async function ledgerSum(db: Db, workspaceId: string) {
  const agg = await db.creditLedger.aggregate({ where: { workspaceId }, _sum: { amount: true } });
  return agg._sum.amount ?? 0;
}

await describeEachDb('credits', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('reserves, then settles at the actual cost and refunds the rest', async () => {
    const u = await createUser(t.db, 'Ann');
    const r = await reserve(t.db, { workspaceId: u.workspace.id, amount: 40, purpose: 'script step' });
    expect(r.balanceAfter).toBe(210);
    expect(await settle(t.db, { workspaceId: u.workspace.id, reservationId: r.id, actual: 15 })).toEqual({
      charged: 15,
      settled: true,
    });
    expect(await getBalance(t.db, u.workspace.id)).toBe(235);
    expect(await ledgerSum(t.db, u.workspace.id)).toBe(235);
    // A second settle or a late release changes nothing.
    expect((await settle(t.db, { workspaceId: u.workspace.id, reservationId: r.id, actual: 40 })).settled).toBe(false);
    expect((await release(t.db, { workspaceId: u.workspace.id, reservationId: r.id })).released).toBe(false);
    expect(await getBalance(t.db, u.workspace.id)).toBe(235);
  });

  it('charges usage beyond the reservation at its full price, and says so in the log', async () => {
    const u = await createUser(t.db, 'Beyond');
    const warn = vi.spyOn(log, 'warn');
    try {
      const r = await reserve(t.db, { workspaceId: u.workspace.id, amount: 10, purpose: 'p' });
      expect(await settle(t.db, { workspaceId: u.workspace.id, reservationId: r.id, actual: 25 })).toEqual({ charged: 25, settled: true });
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ reservationId: r.id, reserved: 10, actual: 25, charged: 25 }), expect.any(String));
    } finally {
      warn.mockRestore();
    }
    expect(await getBalance(t.db, u.workspace.id)).toBe(225);
    expect(await ledgerSum(t.db, u.workspace.id)).toBe(225);
    expect((await t.db.creditReservation.findFirstOrThrow({ where: { workspaceId: u.workspace.id } })).charged).toBe(25);
  });

  it('charges beyond the reservation only as far as the balance goes, never below zero', async () => {
    const u = await createUser(t.db, 'Cap');
    const r = await reserve(t.db, { workspaceId: u.workspace.id, amount: 200, purpose: 'p' });
    await reserve(t.db, { workspaceId: u.workspace.id, amount: 45, purpose: 'other' }); // 5 left
    expect((await settle(t.db, { workspaceId: u.workspace.id, reservationId: r.id, actual: 230 })).charged).toBe(205);
    expect(await getBalance(t.db, u.workspace.id)).toBe(0);
    expect(await ledgerSum(t.db, u.workspace.id)).toBe(0);
  });

  it('releases a reservation in full, once', async () => {
    const u = await createUser(t.db, 'Rel');
    const r = await reserve(t.db, { workspaceId: u.workspace.id, amount: 100, purpose: 'p' });
    expect((await release(t.db, { workspaceId: u.workspace.id, reservationId: r.id })).released).toBe(true);
    expect((await release(t.db, { workspaceId: u.workspace.id, reservationId: r.id })).released).toBe(false);
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
    expect(await ledgerSum(t.db, u.workspace.id)).toBe(250);
  });

  it('refuses a reservation the balance cannot cover, with the balance and the need, changing nothing', async () => {
    const u = await createUser(t.db, 'Poor');
    const err = await reserve(t.db, { workspaceId: u.workspace.id, amount: 251, purpose: 'p' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PAYMENT_REQUIRED', reason: 'insufficient_credits', details: { balance: 250, required: 251 } });
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
    expect(await t.db.creditReservation.count({ where: { workspaceId: u.workspace.id } })).toBe(0);
    expect(await t.db.creditLedger.count({ where: { workspaceId: u.workspace.id } })).toBe(1);
  });

  it('rejects non-positive and fractional amounts', async () => {
    const u = await createUser(t.db, 'Bad');
    for (const amount of [0, -5, 1.5, Number.NaN]) {
      await expect(reserve(t.db, { workspaceId: u.workspace.id, amount, purpose: 'p' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    await expect(
      settle(t.db, { workspaceId: u.workspace.id, reservationId: 'x', actual: -1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
  });

  it("does not settle or release another workspace's reservation", async () => {
    const a = await createUser(t.db, 'Owner A');
    const b = await createUser(t.db, 'Owner B');
    const r = await reserve(t.db, { workspaceId: a.workspace.id, amount: 50, purpose: 'p' });
    await expect(release(t.db, { workspaceId: b.workspace.id, reservationId: r.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await getBalance(t.db, b.workspace.id)).toBe(250);
    expect(await getBalance(t.db, a.workspace.id)).toBe(200);
  });

  it('grants idempotently', async () => {
    const u = await createUser(t.db, 'Grant');
    await grant(t.db, { workspaceId: u.workspace.id, amount: 5, reason: 'top-up', idempotencyKey: `k-${u.id}` });
    await grant(t.db, { workspaceId: u.workspace.id, amount: 5, reason: 'top-up', idempotencyKey: `k-${u.id}` });
    expect(await getBalance(t.db, u.workspace.id)).toBe(255);
  });

  it('answers a replayed reservation (same idempotency key) with the first one, debiting once', async () => {
    const u = await createUser(t.db, 'Replay');
    const ws = u.workspace.id;
    const key = `reserve-replay-${u.id}`;
    const first = await reserve(t.db, { workspaceId: ws, amount: 40, purpose: 'p', idempotencyKey: key });
    expect(first).toMatchObject({ amount: 40, balanceAfter: 210 });
    const replay = await reserve(t.db, { workspaceId: ws, amount: 40, purpose: 'p', idempotencyKey: key });
    expect(replay).toEqual({ id: first.id, amount: 40, balanceAfter: 210 });
    expect(await getBalance(t.db, ws)).toBe(210);
    expect(await ledgerSum(t.db, ws)).toBe(210);
    expect(await t.db.creditReservation.count({ where: { workspaceId: ws } })).toBe(1);

    // The same key for another amount or another workspace is a different request: refused, nothing changes.
    await expect(reserve(t.db, { workspaceId: ws, amount: 41, purpose: 'p', idempotencyKey: key })).rejects.toMatchObject({ code: 'CONFLICT', reason: 'idempotency_key_reused' });
    const other = await createUser(t.db, 'Replay other');
    await expect(reserve(t.db, { workspaceId: other.workspace.id, amount: 40, purpose: 'p', idempotencyKey: key })).rejects.toMatchObject({ code: 'CONFLICT', reason: 'idempotency_key_reused' });
    expect(await getBalance(t.db, other.workspace.id)).toBe(250);
    expect(await getBalance(t.db, ws)).toBe(210);

    // Settled, the replay still names the same reservation and changes nothing.
    await settle(t.db, { workspaceId: ws, reservationId: first.id, actual: 10 });
    expect(await reserve(t.db, { workspaceId: ws, amount: 40, purpose: 'p', idempotencyKey: key })).toEqual({ id: first.id, amount: 40, balanceAfter: 240 });
    expect(await getBalance(t.db, ws)).toBe(240);
    expect(await ledgerSum(t.db, ws)).toBe(240);
  });

  it('releases reservations left behind by a crashed holder', async () => {
    const u = await createUser(t.db, 'Crash');
    await reserve(t.db, { workspaceId: u.workspace.id, amount: 30, purpose: 'p', ttlMs: -1 });
    const live = await reserve(t.db, { workspaceId: u.workspace.id, amount: 20, purpose: 'p' });
    expect(await getBalance(t.db, u.workspace.id)).toBe(200);
    expect(await releaseExpiredReservations(t.db)).toBeGreaterThanOrEqual(1);
    expect(await getBalance(t.db, u.workspace.id)).toBe(230);
    const kept = await t.db.creditReservation.findUniqueOrThrow({ where: { id: live.id } });
    expect(kept.status).toBe('held');
  });

  it('releases expired reservations in the minutely maintenance job, and keeps live ones', async () => {
    const u = await createUser(t.db, 'Periodic');
    await reserve(t.db, { workspaceId: u.workspace.id, amount: 30, purpose: 'p', ttlMs: -1 });
    const live = await reserve(t.db, { workspaceId: u.workspace.id, amount: 20, purpose: 'p' });
    await maintenance(t.db);
    expect(await getBalance(t.db, u.workspace.id)).toBe(230);
    expect((await t.db.creditReservation.findUniqueOrThrow({ where: { id: live.id } })).status).toBe('held');
  });
});

// Races need a pool of connections: PGlite has one, so there every transaction runs alone and a race
// proves nothing. These run on PostgreSQL only (and fail in CI without it).
await describePostgres('credits under concurrency', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('keeps the balance exact under concurrent reservations', async () => {
    const u = await createUser(t.db, 'Race');
    // Bring the balance to exactly 10.
    const big = await reserve(t.db, { workspaceId: u.workspace.id, amount: 240, purpose: 'p' });
    await settle(t.db, { workspaceId: u.workspace.id, reservationId: big.id, actual: 240 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => reserve(t.db, { workspaceId: u.workspace.id, amount: 1, purpose: 'race' })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(10);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'insufficient_credits' });
    }
    expect(await getBalance(t.db, u.workspace.id)).toBe(0);
    expect(await ledgerSum(t.db, u.workspace.id)).toBe(0);
    expect(await t.db.creditReservation.count({ where: { workspaceId: u.workspace.id, purpose: 'race' } })).toBe(10);
  });

  it('debits once when the same reservation is replayed concurrently, also when the balance covers it only once', async () => {
    for (const [name, balance] of [['Replay race', 250], ['Replay race tight', 30]] as const) {
      const u = await createUser(t.db, name);
      const ws = u.workspace.id;
      if (balance < 250) {
        const r = await reserve(t.db, { workspaceId: ws, amount: 250 - balance, purpose: 'p' });
        await settle(t.db, { workspaceId: ws, reservationId: r.id, actual: 250 - balance });
      }
      const key = `reserve-replay-race-${u.id}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => reserve(t.db, { workspaceId: ws, amount: 30, purpose: 'race', idempotencyKey: key })));
      expect(new Set(results.map((r) => r.id)).size, name).toBe(1);
      expect(await getBalance(t.db, ws), name).toBe(balance - 30);
      expect(await ledgerSum(t.db, ws), name).toBe(balance - 30);
      expect(await t.db.creditReservation.count({ where: { workspaceId: ws, purpose: 'race' } }), name).toBe(1);
    }
  });

  it('keeps the balance equal to the ledger and never negative while settlements and releases interleave with new reservations', async () => {
    const u = await createUser(t.db, 'Interleave');
    const ws = u.workspace.id;
    // Bring the balance to 120: twelve holders of up to 30 credits each then run into the limit.
    const spent = await reserve(t.db, { workspaceId: ws, amount: 130, purpose: 'p' });
    await settle(t.db, { workspaceId: ws, reservationId: spent.id, actual: 130 });
    const start = await getBalance(t.db, ws);
    expect(start).toBe(120);
    const random = seeded(21);

    const watch = watchCredits(t.db, ws);

    // Twelve holders on a pool of ten connections, each reserving, then settling (below, at or above what
    // it reserved) or releasing, or both at once (a cancel racing the end of a call: only one may win).
    const done: ('reserve' | 'close')[] = [];
    let charged = 0;
    let refused = 0;
    let doubleClosed = 0;
    const holder = async () => {
      for (let i = 0; i < 25; i++) {
        const amount = 1 + Math.floor(random() * 30);
        let id: string;
        try {
          id = (await reserve(t.db, { workspaceId: ws, amount, purpose: 'interleave' })).id;
        } catch (e) {
          expect(e).toMatchObject({ reason: 'insufficient_credits' });
          refused++;
          continue;
        }
        done.push('reserve');
        await new Promise((r) => setTimeout(r, Math.floor(random() * 3)));
        const roll = random();
        // (`charged += await …` would read `charged` before the await: a lost update of the test's own.)
        if (roll < 0.35) {
          const s = await settle(t.db, { workspaceId: ws, reservationId: id, actual: Math.floor(random() * (amount + 1)) });
          charged += s.charged;
        } else if (roll < 0.5) {
          const s = await settle(t.db, { workspaceId: ws, reservationId: id, actual: amount + 1 + Math.floor(random() * 20) });
          charged += s.charged;
        } else if (roll < 0.8) {
          expect((await release(t.db, { workspaceId: ws, reservationId: id })).released).toBe(true);
        } else {
          const [s, r] = await Promise.all([
            settle(t.db, { workspaceId: ws, reservationId: id, actual: amount }),
            release(t.db, { workspaceId: ws, reservationId: id }),
          ]);
          expect(Number(s.settled) + Number(r.released)).toBe(1);
          charged += s.charged;
          doubleClosed++;
        }
        done.push('close');
      }
    };
    let watched;
    try {
      await Promise.all(Array.from({ length: 12 }, holder));
    } finally {
      watched = await watch.stop();
    }

    // The race did interleave: closings before later reservations, refusals at the limit, both closes raced.
    expect(done.indexOf('close')).toBeLessThan(done.lastIndexOf('reserve'));
    expect(refused).toBeGreaterThan(0);
    expect(doubleClosed).toBeGreaterThan(0);
    expect(watched.count).toBeGreaterThan(10);
    expect(watched.broken).toEqual([]);
    expect(await getBalance(t.db, ws)).toBe(start - charged);
    expect(await ledgerSum(t.db, ws)).toBe(start - charged);
    expect(await t.db.creditReservation.count({ where: { workspaceId: ws, status: 'held' } })).toBe(0);
  });
});
