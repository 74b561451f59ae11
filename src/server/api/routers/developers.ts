import 'server-only';
// Settings → Developers: the workspace's runtime tokens for the gateway, and its recent gateway calls.
import { z } from 'zod';
import { ZGatewayCall, ZRuntimeToken, ZRuntimeTokenInput } from '~/lib/schemas/gateway';
import { ZId } from '~/lib/schemas/ids';
import { createTRPCRouter, ownerProcedure } from '~/server/api/trpc';
import { recentCalls } from '~/server/gateway/calls';
import { createRuntimeToken, listRuntimeTokens, revokeRuntimeToken } from '~/server/services/runtime-tokens';

export const developersRouter = createTRPCRouter({
  runtimeTokens: ownerProcedure.output(z.array(ZRuntimeToken)).query(({ ctx }) => listRuntimeTokens(ctx)),

  /** The token is in this answer only; it is stored as a keyed hash. */
  createRuntimeToken: ownerProcedure
    .input(ZRuntimeTokenInput)
    .output(z.object({ token: z.string(), info: ZRuntimeToken }))
    .mutation(({ ctx, input }) => createRuntimeToken(ctx, input)),

  revokeRuntimeToken: ownerProcedure
    .input(z.object({ tokenId: ZId }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeRuntimeToken(ctx, input);
      return { ok: true as const };
    }),

  gatewayCalls: ownerProcedure.output(z.array(ZGatewayCall)).query(({ ctx }) => recentCalls(ctx)),
});
