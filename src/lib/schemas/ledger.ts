// The credit ledger as the Plan & credits page shows it: each row of credit_ledger, newest first, a page
// at a time. Browser-safe.
import { z } from 'zod';
import { ZId } from '~/lib/schemas/ids';

export const LEDGER_PAGE = 25;

export const ZLedgerQuery = z.object({
  /** The id of the last row of the previous page. */
  cursor: ZId.nullish(),
  limit: z.number().int().min(1).max(100).default(LEDGER_PAGE),
});

export const LEDGER_KINDS = ['grant', 'renewal', 'reservation', 'charge', 'release'] as const;
export const ZLedgerEntry = z.object({
  id: z.string(),
  at: z.date(),
  /** grant: credits given (first workspace, top-ups); renewal: a plan's monthly credits; reservation: held before
   *  work; charge: the reservation settled (amount = what came back to the balance); release: returned in full. */
  kind: z.enum(LEDGER_KINDS),
  amount: z.number().int(),
  reason: z.string(),
  /** charge: what the work cost, out of what was held. */
  charged: z.number().int().nullable(),
  /** The balance right after this row. */
  balanceAfter: z.number().int(),
});
export type LedgerEntry = z.infer<typeof ZLedgerEntry>;

export const ZLedgerPage = z.object({ entries: z.array(ZLedgerEntry), nextCursor: z.string().nullable() });
export type LedgerPage = z.infer<typeof ZLedgerPage>;
