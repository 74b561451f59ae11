import 'server-only';
// Settings → Usage: the workspace's usage report (owners: everyone's; members: their own runs).
import { ZUsageQuery, ZUsageReport } from '~/lib/schemas/usage';
import { createTRPCRouter, workspaceProcedure } from '~/server/api/trpc';
import { usageReport } from '~/server/services/usage';

export const usageRouter = createTRPCRouter({
  report: workspaceProcedure
    .input(ZUsageQuery)
    .output(ZUsageReport)
    .query(({ ctx, input }) => usageReport(ctx, input)),
});
