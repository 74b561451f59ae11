import 'server-only';
// Workspace credits: an append-only ledger plus a balance. Every change is one transaction holding a
// conditional balance UPDATE and its ledger row, so the balance never goes below zero whatever the
// concurrency (under READ COMMITTED, PostgreSQL re-checks the WHERE of a blocked UPDATE after the
// first writer commits) and sum(ledger) always equals the balance.
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { Prisma } from '~/generated/prisma/client';

type Tx = Prisma.TransactionClient;

/** A reservation not settled within this time is released by the sweeper (a crash mid-call). */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

function assertAmount(amount: number) {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new AppError('BAD_REQUEST', 'Credit amounts are positive whole numbers', 'invalid_amount');
  }
}

export async function getBalance(db: Db | Tx, workspaceId: string): Promise<number> {
  const ws = await db.workspace.findUnique({ where: { id: workspaceId }, select: { creditBalance: true } });
  if (!ws) throw notFound('Workspace not found');
  return ws.creditBalance;
}

/**
 * Adds credits (plan grants, operator top-ups) once per `idempotencyKey`, whatever the concurrency: the
 * ledger row is inserted first and the unique key decides (a concurrent transaction with the same key
 * waits for this one and then inserts nothing), and only an inserted row moves the balance. The key may
 * name something other than the workspace: the Free credits are keyed by user, so they go to one
 * workspace of that user. Returns whether this call granted.
 */
export async function grantInTx(
  tx: Tx,
  input: { workspaceId: string; amount: number; reason: string; idempotencyKey: string },
): Promise<boolean> {
  assertAmount(input.amount);
  const inserted = await tx.creditLedger.createMany({
    data: [{ id: newId(), workspaceId: input.workspaceId, amount: input.amount, kind: 'grant', reason: input.reason, idempotencyKey: input.idempotencyKey }],
    skipDuplicates: true,
  });
  if (inserted.count !== 1) return false;
  await tx.workspace.update({ where: { id: input.workspaceId }, data: { creditBalance: { increment: input.amount } } });
  return true;
}

export async function grant(db: Db, input: Parameters<typeof grantInTx>[1]): Promise<boolean> {
  return db.$transaction((tx) => grantInTx(tx, input));
}

export type Reservation = { id: string; amount: number; balanceAfter: number };

type ReserveInput = {
  workspaceId: string; amount: number; purpose: string; ttlMs?: number; idempotencyKey?: string;
  /** Whose work it is (a Content Studio run's member) and which runtime token (a gateway call): their monthly caps apply. */
  memberId?: string | null; tokenId?: string | null;
};

/**
 * Holds `amount` credits before a call whose cost is not yet known. Refused (nothing changes) when
 * the balance does not cover it; the error carries the balance and what was needed. A replay with the
 * same `idempotencyKey` (a client retrying after a timeout) gets the first reservation back and is
 * debited once, however the calls interleave; the key reused for another request is refused.
 */
export async function reserve(db: Db, input: ReserveInput): Promise<Reservation> {
  assertAmount(input.amount);
  const earlier = input.idempotencyKey ? await replayedReservation(db, input) : null;
  if (earlier) return earlier;
  try {
    return await reserveOnce(db, input);
  } catch (e) {
    // A concurrent call with the key committed first: this one was refused by the key's unique index, or
    // by the balance it had already taken, and rolled back.
    const lost = (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') || (e instanceof AppError && e.reason === 'insufficient_credits');
    const replayed = input.idempotencyKey && lost ? await replayedReservation(db, input) : null;
    if (replayed) return replayed;
    throw e;
  }
}

async function replayedReservation(db: Db, input: ReserveInput): Promise<Reservation | null> {
  const entry = await db.creditLedger.findUnique({
    where: { idempotencyKey: input.idempotencyKey },
    select: { workspaceId: true, kind: true, amount: true, reservationId: true },
  });
  if (!entry) return null;
  if (entry.workspaceId !== input.workspaceId || entry.kind !== 'reserve' || entry.amount !== -input.amount || !entry.reservationId) {
    throw new AppError('CONFLICT', 'This idempotency key was already used for a different request.', 'idempotency_key_reused');
  }
  return { id: entry.reservationId, amount: input.amount, balanceAfter: await getBalance(db, input.workspaceId) };
}

async function reserveOnce(db: Db, input: ReserveInput): Promise<Reservation> {
  const id = newId();
  return db.$transaction(async (tx) => {
    await checkCaps(tx, input);
    const debited = await tx.workspace.updateMany({
      where: { id: input.workspaceId, creditBalance: { gte: input.amount } },
      data: { creditBalance: { decrement: input.amount } },
    });
    if (debited.count !== 1) {
      const ws = await tx.workspace.findUnique({
        where: { id: input.workspaceId },
        select: { creditBalance: true },
      });
      if (!ws) throw notFound('Workspace not found');
      throw new AppError(
        'PAYMENT_REQUIRED',
        `Not enough credits: this needs ${input.amount} and the workspace has ${ws.creditBalance}.`,
        'insufficient_credits',
        { balance: ws.creditBalance, required: input.amount },
      );
    }
    await tx.creditReservation.create({
      data: {
        id,
        workspaceId: input.workspaceId,
        amount: input.amount,
        purpose: input.purpose,
        memberId: input.memberId ?? null,
        tokenId: input.tokenId ?? null,
        expiresAt: new Date(Date.now() + (input.ttlMs ?? DEFAULT_RESERVATION_TTL_MS)),
      },
    });
    await tx.creditLedger.create({
      data: {
        id: newId(),
        workspaceId: input.workspaceId,
        amount: -input.amount,
        kind: 'reserve',
        reason: input.purpose,
        reservationId: id,
        idempotencyKey: input.idempotencyKey ?? `reserve:${id}`,
      },
    });
    const after = await tx.workspace.findUniqueOrThrow({
      where: { id: input.workspaceId },
      select: { creditBalance: true },
    });
    return { id, amount: input.amount, balanceAfter: after.creditBalance };
  });
}

/** The first instant of the current calendar month, UTC: caps are monthly. */
export function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * What a member or a token took this month: held reservations at their amount, settled ones at what they
 * cost, released ones not at all.
 */
export async function usedThisMonth(db: Db | Tx, workspaceId: string, who: { memberId: string } | { tokenId: string }): Promise<number> {
  const [row] = await db.$queryRaw<{ used: number }[]>`
    SELECT COALESCE(sum(CASE status WHEN 'held' THEN amount WHEN 'settled' THEN COALESCE(charged, amount) ELSE 0 END), 0)::int AS used
    FROM credit_reservation
    WHERE "workspaceId" = ${workspaceId} AND "createdAt" >= ${monthStart()}
      AND ${'memberId' in who ? Prisma.sql`"memberId" = ${who.memberId}` : Prisma.sql`"tokenId" = ${who.tokenId}`}`;
  return row?.used ?? 0;
}

/**
 * Refuses a reservation that would take a capped member or token past their monthly cap. The capped row
 * (membership, runtime token) is locked first, so reservations for the same member or token queue here
 * and each one counts the ones before it: N at once never exceed the cap. Uncapped rows are not locked.
 */
async function checkCaps(tx: Tx, input: ReserveInput): Promise<void> {
  const capped: { cap: number; who: { memberId: string } | { tokenId: string }; what: string }[] = [];
  if (input.memberId) {
    const [m] = await tx.$queryRaw<{ cap: number }[]>`
      SELECT "monthlyCreditCap" AS cap FROM membership
      WHERE "workspaceId" = ${input.workspaceId} AND "userId" = ${input.memberId} AND "monthlyCreditCap" IS NOT NULL FOR UPDATE`;
    if (m) capped.push({ cap: m.cap, who: { memberId: input.memberId }, what: 'Your monthly credit cap in this workspace' });
  }
  if (input.tokenId) {
    const [t] = await tx.$queryRaw<{ cap: number }[]>`
      SELECT "monthlyCreditCap" AS cap FROM runtime_token
      WHERE "workspaceId" = ${input.workspaceId} AND id = ${input.tokenId} AND "monthlyCreditCap" IS NOT NULL FOR UPDATE`;
    if (t) capped.push({ cap: t.cap, who: { tokenId: input.tokenId }, what: 'This runtime token’s monthly credit cap' });
  }
  for (const c of capped) {
    const used = await usedThisMonth(tx, input.workspaceId, c.who);
    if (used + input.amount > c.cap) {
      throw new AppError(
        'PAYMENT_REQUIRED',
        `${c.what} is reached: ${used} of ${c.cap} credits used this month, and this needs ${input.amount}. The workspace owner can raise it.`,
        'cap_reached',
        { cap: c.cap, used, required: input.amount },
      );
    }
  }
}

/** Marks a held reservation final; only the first of settle/release wins. Returns whether it did. */
async function closeReservation(
  tx: Tx,
  reservationId: string,
  workspaceId: string,
  status: 'settled' | 'released',
  charged: (reserved: number) => number | null,
): Promise<{ amount: number } | null> {
  const res = await tx.creditReservation.findFirst({
    where: { id: reservationId, workspaceId },
    select: { amount: true },
  });
  if (!res) throw notFound('Reservation not found');
  const closed = await tx.creditReservation.updateMany({
    where: { id: reservationId, workspaceId, status: 'held' },
    data: { status, charged: charged(res.amount) },
  });
  return closed.count === 1 ? res : null;
}

/** The ledger row that closes a reservation: what went back to the balance (negative: charged beyond it). */
async function closingEntry(tx: Tx, workspaceId: string, amount: number, kind: 'settle' | 'release', reservationId: string) {
  if (amount > 0) {
    await tx.workspace.update({ where: { id: workspaceId }, data: { creditBalance: { increment: amount } } });
  }
  await tx.creditLedger.create({
    data: {
      id: newId(),
      workspaceId,
      amount,
      kind,
      reason: kind === 'release' ? 'reservation released' : amount >= 0 ? 'unused part of the reservation' : 'usage beyond the reservation',
      reservationId,
      idempotencyKey: `${kind}:${reservationId}`,
    },
  });
}

/** Takes up to `amount` more from the balance, never below zero; returns what it took. */
async function debitUpTo(tx: Tx, workspaceId: string, amount: number): Promise<number> {
  // The row lock holds the balance still until this transaction ends.
  const [row] = await tx.$queryRaw<{ creditBalance: number }[]>`SELECT "creditBalance" FROM workspace WHERE id = ${workspaceId} FOR UPDATE`;
  const taken = Math.min(amount, row?.creditBalance ?? 0);
  if (taken > 0) await tx.workspace.update({ where: { id: workspaceId }, data: { creditBalance: { decrement: taken } } });
  return taken;
}

/**
 * Settles a reservation at the actual cost and returns the rest to the balance. Reservations are
 * estimated to cover the worst case, but the catalog price is what a call costs: if a provider ever
 * reports more than was reserved, the difference is charged too, as far as the balance goes (it never
 * goes negative), and logged. Idempotent.
 */
export async function settle(
  db: Db,
  input: { workspaceId: string; reservationId: string; actual: number },
): Promise<{ charged: number; settled: boolean }> {
  if (!Number.isSafeInteger(input.actual) || input.actual < 0) {
    throw new AppError('BAD_REQUEST', 'Credit amounts are whole numbers', 'invalid_amount');
  }
  const result = await db.$transaction(async (tx) => {
    const closed = await closeReservation(tx, input.reservationId, input.workspaceId, 'settled', (reserved) => Math.min(input.actual, reserved));
    if (!closed) return { charged: 0, settled: false, reserved: 0 };
    let charged = Math.min(input.actual, closed.amount);
    if (input.actual > closed.amount) {
      charged += await debitUpTo(tx, input.workspaceId, input.actual - closed.amount);
      await tx.creditReservation.update({ where: { id: input.reservationId }, data: { charged } });
    }
    await closingEntry(tx, input.workspaceId, closed.amount - charged, 'settle', input.reservationId);
    return { charged, settled: true, reserved: closed.amount };
  });
  if (result.settled && input.actual > result.reserved) {
    // The estimate should make this impossible: worth a look when it happens.
    log.warn(
      { workspaceId: input.workspaceId, reservationId: input.reservationId, reserved: result.reserved, actual: input.actual, charged: result.charged },
      'usage exceeded its reservation',
    );
  }
  return { charged: result.charged, settled: result.settled };
}

/** Returns a held reservation in full (failure, cancel, crash). Idempotent. */
export async function release(
  db: Db,
  input: { workspaceId: string; reservationId: string },
): Promise<{ released: boolean }> {
  return db.$transaction(async (tx) => {
    const closed = await closeReservation(tx, input.reservationId, input.workspaceId, 'released', () => null);
    if (!closed) return { released: false };
    await closingEntry(tx, input.workspaceId, closed.amount, 'release', input.reservationId);
    return { released: true };
  });
}

/** Releases reservations still held past their expiry (the process that held them died). */
export async function releaseExpiredReservations(db: Db, now = new Date()): Promise<number> {
  const expired = await db.creditReservation.findMany({
    where: { status: 'held', expiresAt: { lt: now } },
    select: { id: true, workspaceId: true },
    take: 1000,
  });
  let count = 0;
  for (const r of expired) {
    if ((await release(db, { workspaceId: r.workspaceId, reservationId: r.id })).released) count++;
  }
  return count;
}
