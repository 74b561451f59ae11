import 'server-only';
// Tier defaults (PRODUCT.md M2, M4): Fast, Standard and Premium each point at a platform model or at a
// model through one of the workspace's keys. No row means the tier's platform default.
import { Prisma } from '~/generated/prisma/client';
import { type ModelChoice, type PlatformModelDto, type Tier, TIERS, type TierSetting } from '~/lib/schemas/models';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { queryRows } from '~/server/db/sql';
import { AppError, notFound } from '~/server/errors';
import { requireByokPlan } from '~/server/policy';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import type { WorkspaceCtx, WorkspaceScope } from '~/server/services/context';
import { changingConfig } from '~/server/db/config-changes';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import { writeAudit } from '~/server/services/audit';
import { toFallbackPolicy } from '~/server/services/keys/selection';

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

export async function getTierSettings({ db, workspace }: WorkspaceScope): Promise<TierSetting[]> {
  const rows = await db.tierDefault.findMany({ where: { workspaceId: workspace.id }, select: tierSelect });
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
  requireByokPlan(ws.plan);
  const key = await db.providerKey.findFirst({
    where: { id: choice.keyId, workspaceId: ws.id },
    select: { id: true, provider: true, models: { where: { modelId: choice.modelId, available: true }, select: { modelId: true } } },
  });
  if (!key) throw notFound('Key not found');
  if (key.models.length === 0) throw new AppError('BAD_REQUEST', 'That key does not offer this model.', 'model_unavailable');
  return { source: 'byok' as const, platformModelId: null, provider: key.provider, modelId: choice.modelId, keyId: key.id };
}

export async function setTier(
  { db, workspace: ws }: Pick<WorkspaceCtx, 'db' | 'workspace'>,
  { tier, choice }: { tier: Tier; choice: ModelChoice | null },
): Promise<TierSetting> {
  const write = () => db.$transaction(async (tx) => {
    if (choice === null) {
      await tx.tierDefault.deleteMany({ where: { workspaceId: ws.id, tier } });
    } else {
      const v = await validateChoice(tx, ws, choice);
      await pointTier(tx, ws.id, tier, { source: v.source, platformModelId: v.platformModelId, provider: v.provider, modelId: v.modelId, keyId: v.keyId });
    }
    return getTierSetting(tx, ws.id, tier);
  });
  // Standard decides the gateway's mode: the next call follows it (db/config-changes.ts).
  return tier === 'standard' ? changingConfig(db, ws.id, write) : write();
}

/**
 * The workspace's fallback policy (PRODUCT.md M4, as a choice). The gateway caches it, so the change is
 * announced and applies to the very next call on every instance; the audit log records who chose what.
 */
export async function setFallbackPolicy(
  { db, actor, workspace }: WorkspaceScope & Partial<Pick<WorkspaceCtx, 'actor'>>,
  { fallbackPolicy }: { fallbackPolicy: FallbackPolicy },
): Promise<{ fallbackPolicy: FallbackPolicy }> {
  await changingConfig(db, workspace.id, () => db.$transaction(async (tx) => {
    await tx.workspace.update({ where: { id: workspace.id }, data: { fallbackPolicy } });
    if (actor) {
      await writeAudit(tx, {
        workspaceId: workspace.id, actorId: actor.id, actorToken: actor.tokenPrefix, keyId: null, provider: null, label: null,
        operation: 'workspace.fallback_policy', outcome: fallbackPolicy,
      });
    }
  }));
  return { fallbackPolicy };
}

export async function getFallbackPolicy({ db, workspace }: WorkspaceScope): Promise<FallbackPolicy> {
  // Read on every run (db/sql.ts: straight to the driver).
  const [ws] = await queryRows<{ fallbackPolicy: string }>(db, Prisma.sql`SELECT "fallbackPolicy" FROM workspace WHERE id = ${workspace.id}`);
  if (!ws) throw notFound('Workspace not found');
  return toFallbackPolicy(ws.fallbackPolicy);
}

/** The tiers that removing this key would revert to their platform defaults (shown before confirming). */
export function tiersUsingKey({ db, workspace }: WorkspaceScope, { keyId }: { keyId: string }): Promise<Tier[]> {
  return tiersUsing(db, workspace.id, keyId);
}

async function tiersUsing(db: Db | Tx, workspaceId: string, keyId: string): Promise<Tier[]> {
  const rows = await db.tierDefault.findMany({ where: { workspaceId, keyId }, select: { tier: true } });
  return TIERS.filter((t) => rows.some((r) => r.tier === t));
}

/**
 * Reverts every tier that used the key to its platform default, except `keep` (left pointing at the
 * provider and model, keyless once the key is gone); runs in the key deletion's transaction.
 */
export async function revertTiersForKey(tx: Tx, workspaceId: string, keyId: string, keep: Tier[] = []): Promise<Tier[]> {
  const tiers = (await tiersUsing(tx, workspaceId, keyId)).filter((t) => !keep.includes(t));
  await tx.tierDefault.deleteMany({ where: { workspaceId, keyId, tier: { in: tiers } } });
  return tiers;
}

/** A tier's stored choice: a platform model, or a provider's model through a key (keyless after `api_key: null`). */
export type TierTarget = { source: 'platform' | 'byok'; platformModelId: string | null; provider: string; modelId: string; keyId: string | null };

export const platformTarget = (m: Pick<PlatformModelDto, 'id' | 'provider' | 'modelId'>): TierTarget => ({
  source: 'platform', platformModelId: m.id, provider: m.provider, modelId: m.modelId, keyId: null,
});

export const byokTarget = (to: { provider: string; modelId: string; keyId: string | null }): TierTarget => ({
  source: 'byok', platformModelId: null, ...to,
});

/** Points a tier at a target (inside the caller's transaction when it writes more). */
export async function pointTier(db: Db | Tx, workspaceId: string, tier: Tier, target: TierTarget): Promise<void> {
  await db.tierDefault.upsert({ where: { workspaceId_tier: { workspaceId, tier } }, create: { workspaceId, tier, ...target }, update: target });
}
