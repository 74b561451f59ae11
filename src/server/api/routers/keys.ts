import 'server-only';
import { z } from 'zod';
import { ZApiKeyInput, ZAuditEventDto, ZKeyDto, ZKeyExpiry, ZKeyLabel } from '~/lib/schemas/keys';
import { ZKeyOutcome, ZProviderId } from '~/lib/schemas/enums';
import { ZId } from '~/lib/schemas/ids';
import { byokOwnerProcedure, createTRPCRouter, ownerProcedure, workspaceProcedure } from '~/server/api/trpc';
import { listAudit } from '~/server/services/audit';
import * as keys from '~/server/services/keys/operations';
import { listKeys } from '~/server/services/keys/queries';
import { tiersUsingKey } from '~/server/services/tiers';
import { ZTier } from '~/lib/schemas/models';

const ZKeyWrite = z.object({ key: ZKeyDto, warnings: z.array(z.string()) });

export const keysRouter = createTRPCRouter({
  // Members see the masked table; listing never decrypts.
  list: workspaceProcedure.output(z.array(ZKeyDto)).query(({ ctx }) => listKeys(ctx)),

  /** What removing a key changes: the tiers that revert to their platform defaults (M4). */
  removalImpact: ownerProcedure
    .input(z.object({ keyId: ZId }))
    .output(z.object({ tiers: z.array(ZTier) }))
    .query(async ({ ctx, input }) => ({ tiers: await tiersUsingKey(ctx, input) })),

  create: byokOwnerProcedure
    .input(z.object({ provider: ZProviderId, label: ZKeyLabel, apiKey: ZApiKeyInput, expiresAt: ZKeyExpiry.nullable().optional() }))
    .output(ZKeyWrite)
    .mutation(({ ctx, input }) => keys.addKey(ctx, { provider: input.provider, label: input.label, apiKey: input.apiKey, expiresAt: input.expiresAt })),

  /** The key's expiry date as the owner noted it (null clears it). */
  setExpiry: byokOwnerProcedure
    .input(z.object({ keyId: ZId, expiresAt: ZKeyExpiry.nullable() }))
    .output(ZKeyDto)
    .mutation(({ ctx, input }) => keys.setKeyExpiryDate(ctx, { keyId: input.keyId, expiresAt: input.expiresAt })),

  replace: byokOwnerProcedure
    .input(z.object({ keyId: ZId, apiKey: ZApiKeyInput }))
    .output(ZKeyWrite)
    .mutation(({ ctx, input }) => keys.replaceKey(ctx, { keyId: input.keyId, apiKey: input.apiKey })),

  verify: byokOwnerProcedure
    .input(z.object({ keyId: ZId }))
    .output(z.object({ key: ZKeyDto, outcome: ZKeyOutcome, message: z.string() }))
    .mutation(({ ctx, input }) => keys.verifyKey(ctx, { keyId: input.keyId })),

  remove: ownerProcedure
    .input(z.object({ keyId: ZId }))
    .output(z.object({ ok: z.literal(true), revertedTiers: z.array(ZTier) }))
    .mutation(({ ctx, input }) => keys.removeKey(ctx, { keyId: input.keyId })),

  /** Rotation without downtime: probe the new value, then swap it in under the same id and label. */
  rotate: byokOwnerProcedure
    .input(z.object({ keyId: ZId, apiKey: ZApiKeyInput }))
    .output(ZKeyWrite)
    .mutation(({ ctx, input }) => keys.rotateKey(ctx, { keyId: input.keyId, apiKey: input.apiKey })),

  /** A paused key serves nothing (runs and gateway calls treat it as missing) until resumed. */
  pause: byokOwnerProcedure
    .input(z.object({ keyId: ZId }))
    .output(ZKeyDto)
    .mutation(({ ctx, input }) => keys.setKeyPausedState(ctx, { keyId: input.keyId, paused: true })),

  resume: byokOwnerProcedure
    .input(z.object({ keyId: ZId }))
    .output(ZKeyDto)
    .mutation(({ ctx, input }) => keys.setKeyPausedState(ctx, { keyId: input.keyId, paused: false })),

  /** The provider's failover order: every one of its keys, first tried first. */
  reorder: byokOwnerProcedure
    .input(z.object({ provider: ZProviderId, keyIds: z.array(ZId).min(1).max(50) }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => keys.orderKeys(ctx, { provider: input.provider, keyIds: input.keyIds })),

  audit: ownerProcedure.output(z.array(ZAuditEventDto)).query(({ ctx }) => listAudit(ctx)),
});
