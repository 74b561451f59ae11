import 'server-only';
import { ZLedgerPage, ZLedgerQuery } from '~/lib/schemas/ledger';
import { ZUpgradeRequestDto, ZUpgradeRequestInput } from '~/lib/schemas/upgrade';
import { createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import { ledgerPage } from '~/server/services/ledger';
import { openUpgradeRequest, requestUpgrade } from '~/server/services/upgrade-requests';

export const billingRouter = createTRPCRouter({
  /** The workspace's open upgrade request (members see that one is pending too); null when none. */
  upgradeRequest: workspaceProcedure.output(ZUpgradeRequestDto.nullable()).query(({ ctx }) => openUpgradeRequest(ctx)),

  /** Owners ask the operator for a bigger plan; asking again updates the open request. */
  requestUpgrade: ownerProcedure
    .input(ZUpgradeRequestInput)
    .output(ZUpgradeRequestDto)
    .mutation(({ ctx, input }) => requestUpgrade(ctx, input)),

  /** The credit ledger, newest first, a page at a time (owners). */
  ledger: ownerProcedure
    .input(ZLedgerQuery)
    .output(ZLedgerPage)
    .query(({ ctx, input }) => ledgerPage(ctx, input)),
});
