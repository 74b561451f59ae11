import 'server-only';
// The workspace AI config (PRODUCT.md M5, seed 001): a facade over the Standard tier default and the keys
// it uses. It holds no state of its own, so a change applies to the very next call. What GET answers:
// - Standard on a platform model (chosen, or the tier's default) → `managed`, that model, no key;
// - Standard through a workspace key → `byok`, that provider and model, `hasApiKey` and the key's mask;
// - Standard on a provider without a key (after `api_key: null`) → `byok`, `hasApiKey: false`, until a
//   `primary` key for that provider is added again (in the UI or here), which Standard then uses.
// Every PUT is one write: the key, the tiers and the audit rows change together or not at all. Removing
// a key here does what Remove does in the app — every tier that used it reverts, and the response says
// which (`revertedTiers`) and which key went (`removedKey`).
import { type AiConfig, type AiConfigInput, normaliseModelId } from '~/lib/schemas/ai-config';
import type { Tier } from '~/lib/schemas/models';
import type { ProviderId } from '~/lib/providers';
import { AppError } from '~/server/errors';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import { requireByokPlan, requireOwner } from '~/server/policy';
import type { WorkspaceCtx, WorkspaceScope } from '~/server/services/context';
import { assertOffersModel } from '~/server/services/keys/checks';
import { addKey, replaceKey } from '~/server/services/keys/operations';
import { ownedKey, primaryKey, PRIMARY_LABEL } from '~/server/services/keys/queries';
import { deleteKeyInTx } from '~/server/services/keys/writer';
import { byokTarget, getTierSetting, platformTarget, pointTier } from '~/server/services/tiers';
import { reclaimKeySpace } from '~/server/vault/reclaim';
import { changingConfig } from '~/server/db/config-changes';

export type RemovedKey = { provider: ProviderId; label: string; apiKeyHint: string };
export type AiConfigChange = AiConfig & { revertedTiers: Tier[]; removedKey: RemovedKey | null };

export async function getAiConfig({ db, workspace }: WorkspaceScope): Promise<AiConfig> {
  const standard = await getTierSetting(db, workspace.id, 'standard');
  if (standard.choice?.source === 'byok' || (standard.broken === 'key_missing' && !standard.isPlatformDefault)) {
    return { mode: 'byok', provider: standard.provider, model: standard.modelId, hasApiKey: standard.maskedHint !== null, apiKeyHint: standard.maskedHint };
  }
  return { mode: 'managed', provider: standard.provider, model: standard.modelId, hasApiKey: false, apiKeyHint: null };
}

export async function setAiConfig(ctx: WorkspaceCtx, input: AiConfigInput): Promise<AiConfigChange> {
  requireOwner(ctx.workspace, 'manage API keys');
  // The gateway serves the next call by the new config, on every instance (db/config-changes.ts).
  return changingConfig(ctx.db, ctx.workspace.id, () => applyAiConfig(ctx, input));
}

async function applyAiConfig(ctx: WorkspaceCtx, input: AiConfigInput): Promise<AiConfigChange> {
  const { db, actor, workspace: ws } = ctx;
  const provider = input.provider;
  const model = normaliseModelId(provider, input.model);
  const current = await getTierSetting(db, ws.id, 'standard');
  const unchanged = { revertedTiers: [], removedKey: null };

  if (input.mode === 'managed') {
    const target = model ? await findPlatformModel(db, { provider, modelId: model }) : await platformDefault(db, 'standard');
    if (!target) throw new AppError('BAD_REQUEST', 'That model is not one of the platform models for this provider.', 'unknown_model');
    // Seed 001: switching to managed clears the stored key — the one the config was using, whatever its provider.
    const usedKeyId = current.choice?.source === 'byok' ? current.choice.keyId : null;
    const used = usedKeyId ? await ownedKey(db, ws.id, usedKeyId).catch(() => null) : null;
    const revertedTiers = await db.$transaction(async (tx) => {
      const reverted = used ? await deleteKeyInTx(tx, { ...used, workspaceId: ws.id, actor, keepTiers: ['standard'] }) : [];
      await pointTier(tx, ws.id, 'standard', platformTarget(target));
      return reverted;
    });
    if (used) await reclaimKeySpace(db);
    return { ...(await getAiConfig(ctx)), revertedTiers, removedKey: used && current.maskedHint ? removed(used, current.maskedHint) : null };
  }

  requireByokPlan(ws.plan);
  const existing = await primaryKey(db, ws.id, provider);
  const keptModel = current.provider === provider ? current.modelId : undefined;

  if (typeof input.apiKey === 'string') {
    // The key and Standard's use of it in one write: the model is checked against what the probe found.
    const pointTier = {
      tier: 'standard' as const,
      model: (offered: string[]) => {
        const chosen = model ?? (keptModel && offered.includes(keptModel) ? keptModel : offered[0]);
        if (!chosen) throw new AppError('BAD_REQUEST', 'Name the model to use with this provider.', 'model_required');
        return chosen;
      },
    };
    if (existing) await replaceKey(ctx, { keyId: existing.id, apiKey: input.apiKey, pointTier });
    else await addKey(ctx, { provider, label: PRIMARY_LABEL, apiKey: input.apiKey, pointTier });
    return { ...(await getAiConfig(ctx)), ...unchanged };
  }

  if (input.apiKey === null) {
    // Clearing another provider's key leaves a Standard tier that points elsewhere as it is.
    const pointStandard = model !== undefined || current.provider === provider;
    const chosen = model ?? keptModel;
    if (pointStandard && !chosen) throw new AppError('BAD_REQUEST', 'Name the model to use with this provider.', 'model_required');
    if (!existing && !pointStandard) return { ...(await getAiConfig(ctx)), ...unchanged };
    const revertedTiers = await db.$transaction(async (tx) => {
      const reverted = existing ? await deleteKeyInTx(tx, { ...existing, workspaceId: ws.id, actor, keepTiers: ['standard'] }) : [];
      if (pointStandard) await pointTier(tx, ws.id, 'standard', byokTarget({ provider, modelId: chosen!, keyId: null }));
      return reverted;
    });
    if (existing) await reclaimKeySpace(db);
    return { ...(await getAiConfig(ctx)), revertedTiers, removedKey: existing ? removed(existing, existing.maskedHint) : null };
  }

  // No key in the request: Standard uses the provider's primary key if there is one.
  const chosen = model ?? keptModel ?? existing?.models[0]?.modelId;
  if (!chosen) throw new AppError('BAD_REQUEST', 'Name the model to use with this provider.', 'model_required');
  if (existing) assertOffersModel(existing.models.map((m) => m.modelId), chosen);
  await pointTier(db, ws.id, 'standard', byokTarget({ provider, modelId: chosen, keyId: existing?.id ?? null }));
  return { ...(await getAiConfig(ctx)), ...unchanged };
}

function removed(key: { provider: string; label: string }, hint: string): RemovedKey {
  return { provider: key.provider as ProviderId, label: key.label, apiKeyHint: hint };
}
