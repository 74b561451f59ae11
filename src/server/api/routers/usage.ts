import 'server-only';
// Settings → Usage: the workspace's usage report (owners: everyone's; members: their own runs).
import { z } from 'zod';
import { ZCaps, ZSetMemberCap, ZSetSpendAlert, ZSetTokenCap, ZSpendAlert, ZUsageQuery, ZUsageReport } from '~/lib/schemas/usage';
import { createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import { getCaps, setMemberCap, setTokenCap } from '~/server/services/caps';
import { listSpendAlerts, setSpendAlert } from '~/server/services/spend-alerts';
import { usageReport } from '~/server/services/usage';

export const usageRouter = createTRPCRouter({
  report: workspaceProcedure
    .input(ZUsageQuery)
    .output(ZUsageReport)
    .query(({ ctx, input }) => usageReport(ctx, input)),

  /** Monthly credit caps and what each member and token used this month (owners). */
  caps: ownerProcedure.output(ZCaps).query(({ ctx }) => getCaps(ctx)),

  setMemberCap: ownerProcedure
    .input(ZSetMemberCap)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await setMemberCap(ctx, input);
      return { ok: true as const };
    }),

  setTokenCap: ownerProcedure
    .input(ZSetTokenCap)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await setTokenCap(ctx, input);
      return { ok: true as const };
    }),

  /** Monthly estimated-spend alerts per key, with this month's estimate (owners). */
  spendAlerts: ownerProcedure.output(z.array(ZSpendAlert)).query(({ ctx }) => listSpendAlerts(ctx)),

  setSpendAlert: ownerProcedure
    .input(ZSetSpendAlert)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await setSpendAlert(ctx, input);
      return { ok: true as const };
    }),
});
