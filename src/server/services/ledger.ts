import 'server-only';
// Reading the credit ledger (services/credits.ts writes it): newest first, cursor-paged, with the balance
// after each row worked out backwards from the current balance (sum(ledger) == balance always holds).
import { type LedgerPage, ZLedgerQuery } from '~/lib/schemas/ledger';
import type { z } from 'zod';
import { AppError } from '~/server/errors';
import { requireOwner } from '~/server/policy';
import type { WorkspaceCtx } from '~/server/services/context';

export async function ledgerPage(ctx: WorkspaceCtx, query: z.input<typeof ZLedgerQuery>): Promise<LedgerPage> {
  requireOwner(ctx.workspace, 'see the credit ledger');
  const q = ZLedgerQuery.parse(query);
  const { db } = ctx;
  const workspaceId = ctx.workspace.id;
  if (q.cursor && !(await db.creditLedger.findFirst({ where: { id: q.cursor, workspaceId }, select: { id: true } }))) {
    throw new AppError('BAD_REQUEST', 'That page of the ledger does not exist; start from the first page.', 'invalid_cursor');
  }
  return db.$transaction(async (tx) => {
    const rows = await tx.creditLedger.findMany({
      where: { workspaceId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
      select: { id: true, createdAt: true, kind: true, amount: true, reason: true, reservationId: true, idempotencyKey: true },
    });
    const page = rows.slice(0, q.limit);
    const first = page[0];
    let balance = 0;
    if (first) {
      // Balance now, less whatever came after the page's first row.
      const [{ after }] = await tx.$queryRaw<{ after: number }[]>`
        SELECT (w."creditBalance" - COALESCE((SELECT sum(amount) FROM credit_ledger l WHERE l."workspaceId" = w.id
                AND (l."createdAt" > ${first.createdAt} OR (l."createdAt" = ${first.createdAt} AND l.id > ${first.id}))), 0))::int AS after
        FROM workspace w WHERE w.id = ${workspaceId}` as [{ after: number }];
      balance = after;
    }
    const settled = page.flatMap((r) => (r.kind === 'settle' && r.reservationId ? [r.reservationId] : []));
    const charges = new Map(
      (await tx.creditReservation.findMany({ where: { workspaceId, id: { in: settled } }, select: { id: true, charged: true } })).map((r) => [r.id, r.charged]),
    );
    const entries = page.map((r) => {
      const entry = {
        id: r.id, at: r.createdAt, amount: r.amount, reason: r.reason, balanceAfter: balance,
        kind: r.kind === 'grant' ? (r.idempotencyKey.startsWith('plan-grant:') ? 'renewal' : 'grant')
          : r.kind === 'reserve' ? 'reservation' : r.kind === 'settle' ? 'charge' : 'release',
        charged: r.kind === 'settle' && r.reservationId ? (charges.get(r.reservationId) ?? null) : null,
      } as const;
      balance -= r.amount;
      return entry;
    });
    return { entries, nextCursor: rows.length > q.limit ? page.at(-1)!.id : null };
  }, { isolationLevel: 'RepeatableRead' });
}
