// Tier defaults (PRODUCT.md M2, M4): Fast, Standard and Premium each point at a platform model or at a
// model through one of the workspace's keys. No row means the tier's platform default.
import type { Prisma } from '~/generated/prisma/client';
import { type ModelChoice, type Tier, TIERS, type TierSetting } from '~/lib/models';
import { PLANS, parsePlan } from '~/lib/plans';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';

type Tx = Prisma.TransactionClient;

const tierSelect = {
  tier: true, source: true, platformModelId: true, provider: true, modelId: true, keyId: true,
  key: { select: { label: true, maskedHint: true, status: true, provider: true, models: { select: { modelId: true, available: true } } } },
} satisfies Prisma.TierDefaultSelect;

type TierRow = Prisma.TierDefaultGetPayload<{ select: typeof tierSelect }>;

async function describe(db: Db | Tx, tier: Tier, row: TierRow | undefined): Promise<TierSetting> {
  const fallback = await platformDefault(db, tier);
  const platformDefaultRef = { id: fallback.id, displayName: fallback.displayName };
  if (row?.source === 'platform' && row.platformModelId) {
    const m = await findPlatformModel(db, { id: row.platformModelId });
    if (m) {
      return {
        tier, isPlatformDefault: false, choice: { source: 'platform', platformModelId: m.id }, provider: m.provider,
        modelId: m.modelId, displayName: m.displayName, keyLabel: null, maskedHint: null, broken: null, platformDefault: platformDefaultRef,
      };
    }
  }
  if (row?.source === 'byok' && row.provider && row.modelId) {
    const key = row.key;
    const model = key?.models.find((m) => m.modelId === row.modelId);
    const broken = !key ? 'key_missing' : !model?.available ? 'model_unavailable' : key.status !== 'active' ? 'key_failing' : null;
    return {
      tier, isPlatformDefault: false,
      choice: row.keyId ? { source: 'byok', keyId: row.keyId, modelId: row.modelId } : null,
      provider: row.provider as ProviderId, modelId: row.modelId, displayName: row.modelId,
      keyLabel: key?.label ?? null, maskedHint: key?.maskedHint ?? null, broken, platformDefault: platformDefaultRef,
    };
  }
  return {
    tier, isPlatformDefault: true, choice: { source: 'platform', platformModelId: fallback.id }, provider: fallback.provider,
    modelId: fallback.modelId, displayName: fallback.displayName, keyLabel: null, maskedHint: null, broken: null, platformDefault: platformDefaultRef,
  };
}

export async function getTierSettings(db: Db | Tx, workspaceId: string): Promise<TierSetting[]> {
  const rows = await db.tierDefault.findMany({ where: { workspaceId }, select: tierSelect });
  return Promise.all(TIERS.map((t) => describe(db, t, rows.find((r) => r.tier === t))));
}

export async function getTierSetting(db: Db | Tx, workspaceId: string, tier: Tier): Promise<TierSetting> {
  const row = await db.tierDefault.findUnique({ where: { workspaceId_tier: { workspaceId, tier } }, select: tierSelect });
  return describe(db, tier, row ?? undefined);
}

/** Checks that a choice is usable by this workspace: its own key and a model that key offers. */
export async function validateChoice(db: Db | Tx, ws: { id: string; plan: string }, choice: ModelChoice) {
  if (choice.source === 'platform') {
    const m = await findPlatformModel(db, { id: choice.platformModelId });
    if (!m) throw new AppError('BAD_REQUEST', 'That platform model is not in the catalog.', 'unknown_model');
    return { source: 'platform' as const, platformModelId: m.id, provider: m.provider, modelId: m.modelId, keyId: null };
  }
  if (!PLANS[parsePlan(ws.plan)].byok) {
    throw new AppError('FORBIDDEN', 'Models through your own keys need the Pro, Ultra or Enterprise plan.', 'plan_required');
  }
  const key = await db.providerKey.findFirst({
    where: { id: choice.keyId, workspaceId: ws.id },
    select: { id: true, provider: true, models: { where: { modelId: choice.modelId, available: true }, select: { modelId: true } } },
  });
  if (!key) throw notFound('Key not found');
  if (key.models.length === 0) throw new AppError('BAD_REQUEST', 'That key does not offer this model.', 'model_unavailable');
  return { source: 'byok' as const, platformModelId: null, provider: key.provider, modelId: choice.modelId, keyId: key.id };
}

export async function setTier(db: Db, ws: { id: string; plan: string }, tier: Tier, choice: ModelChoice | null): Promise<TierSetting> {
  return db.$transaction(async (tx) => {
    if (choice === null) {
      await tx.tierDefault.deleteMany({ where: { workspaceId: ws.id, tier } });
    } else {
      const v = await validateChoice(tx, ws, choice);
      const data = { source: v.source, platformModelId: v.platformModelId, provider: v.provider, modelId: v.modelId, keyId: v.keyId };
      await tx.tierDefault.upsert({
        where: { workspaceId_tier: { workspaceId: ws.id, tier } },
        create: { workspaceId: ws.id, tier, ...data },
        update: data,
      });
    }
    return getTierSetting(tx, ws.id, tier);
  });
}

export async function setFallbackPolicy(db: Db, workspaceId: string, allow: boolean): Promise<{ allowCreditFallback: boolean }> {
  await db.workspace.update({ where: { id: workspaceId }, data: { allowCreditFallback: allow } });
  return { allowCreditFallback: allow };
}

export async function getFallbackPolicy(db: Db | Tx, workspaceId: string): Promise<boolean> {
  const ws = await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { allowCreditFallback: true } });
  return ws.allowCreditFallback;
}

/** The tiers that removing this key would revert to their platform defaults (shown before confirming). */
export async function tiersUsingKey(db: Db | Tx, workspaceId: string, keyId: string): Promise<Tier[]> {
  const rows = await db.tierDefault.findMany({ where: { workspaceId, keyId }, select: { tier: true } });
  return TIERS.filter((t) => rows.some((r) => r.tier === t));
}

/**
 * Reverts every tier that used the key to its platform default, except `keep` (left pointing at the
 * provider and model, keyless once the key is gone); runs in the key deletion's transaction.
 */
export async function revertTiersForKey(tx: Tx, workspaceId: string, keyId: string, keep: Tier[] = []): Promise<Tier[]> {
  const tiers = (await tiersUsingKey(tx, workspaceId, keyId)).filter((t) => !keep.includes(t));
  await tx.tierDefault.deleteMany({ where: { workspaceId, keyId, tier: { in: tiers } } });
  return tiers;
}
