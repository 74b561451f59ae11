import { expect, it, vi } from 'vitest';
import { log } from '~/server/log';
import { startMaintenance } from '~/server/maintenance';
import {
  getBalance,
  grant,
  release,
  releaseExpiredReservations,
  reserve,
  settle,
} from '~/server/services/credits';
import type { Db } from '~/server/db/connect';
import { describeEachDb } from '../helpers/db';
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

  it('releases expired reservations periodically while the server runs', async () => {
    const u = await createUser(t.db, 'Periodic');
    await reserve(t.db, { workspaceId: u.workspace.id, amount: 30, purpose: 'p', ttlMs: -1 });
    const live = await reserve(t.db, { workspaceId: u.workspace.id, amount: 20, purpose: 'p' });
    const maintenance = startMaintenance(() => t.db, { everyMs: 50 });
    try {
      const deadline = Date.now() + 5_000;
      while ((await getBalance(t.db, u.workspace.id)) !== 230 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await maintenance.stop();
    }
    expect(await getBalance(t.db, u.workspace.id)).toBe(230);
    expect((await t.db.creditReservation.findUniqueOrThrow({ where: { id: live.id } })).status).toBe('held');
  });
});
