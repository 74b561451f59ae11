// The workspace AI config (PRODUCT.md M5, seed 001): a facade over the Standard tier default and the
// provider's `primary` key. It holds no state of its own, so a change applies to the very next call.
import { type AiConfig, type AiConfigInput, normaliseModelId } from '~/lib/ai-config';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import { type Actor, addKey, assertByokPlan, assertOffersModel, assertOwner, removeKey, replaceKey } from '~/server/services/keys';
import { getTierSetting } from '~/server/services/tiers';
import type { MembershipDto } from '~/server/services/workspaces';

type Ws = Pick<MembershipDto, 'id' | 'role' | 'plan'>;
const PRIMARY = 'primary';

function primaryKey(db: Db, workspaceId: string, provider: ProviderId) {
  return db.providerKey.findFirst({
    where: { workspaceId, provider, label: PRIMARY },
    select: { id: true, maskedHint: true, models: { where: { available: true }, select: { modelId: true } } },
  });
}

export async function getAiConfig(db: Db, workspaceId: string): Promise<AiConfig> {
  const standard = await getTierSetting(db, workspaceId, 'standard');
  if (standard.choice?.source === 'byok' || (standard.broken === 'key_missing' && !standard.isPlatformDefault)) {
    return {
      mode: 'byok',
      provider: standard.provider,
      model: standard.modelId,
      hasApiKey: standard.maskedHint !== null,
      apiKeyHint: standard.maskedHint,
    };
  }
  const key = await primaryKey(db, workspaceId, standard.provider);
  return { mode: 'managed', provider: standard.provider, model: standard.modelId, hasApiKey: !!key, apiKeyHint: key?.maskedHint ?? null };
}

async function pointStandard(
  db: Db,
  workspaceId: string,
  data: { source: 'platform'; platformModelId: string; provider: string; modelId: string } | { source: 'byok'; provider: string; modelId: string; keyId: string | null },
) {
  const row = {
    source: data.source,
    platformModelId: data.source === 'platform' ? data.platformModelId : null,
    provider: data.provider,
    modelId: data.modelId,
    keyId: data.source === 'byok' ? data.keyId : null,
  };
  await db.tierDefault.upsert({
    where: { workspaceId_tier: { workspaceId, tier: 'standard' } },
    create: { workspaceId, tier: 'standard', ...row },
    update: row,
  });
}

export async function setAiConfig(db: Db, actor: Actor & { name: string }, ws: Ws, input: AiConfigInput): Promise<AiConfig> {
  assertOwner(ws);
  const provider = input.provider;
  const model = normaliseModelId(provider, input.model);
  const current = await getTierSetting(db, ws.id, 'standard');

  if (input.mode === 'managed') {
    const target = model ? await findPlatformModel(db, { provider, modelId: model }) : await platformDefault(db, 'standard');
    if (!target) throw new AppError('BAD_REQUEST', 'That model is not one of the platform models for this provider.', 'unknown_model');
    const existing = await primaryKey(db, ws.id, provider);
    if (existing) await removeKey(db, actor, ws, { keyId: existing.id });
    await pointStandard(db, ws.id, { source: 'platform', platformModelId: target.id, provider: target.provider, modelId: target.modelId });
    return getAiConfig(db, ws.id);
  }

  assertByokPlan(ws.plan);
  let keyId: string | null;
  if (typeof input.apiKey === 'string') {
    const existing = await primaryKey(db, ws.id, provider);
    const saved = existing
      ? await replaceKey(db, actor, ws, { keyId: existing.id, apiKey: input.apiKey, requireModel: model })
      : await addKey(db, actor, ws, { provider, label: PRIMARY, apiKey: input.apiKey, requireModel: model });
    keyId = saved.key.id;
  } else if (input.apiKey === null) {
    const existing = await primaryKey(db, ws.id, provider);
    if (existing) await removeKey(db, actor, ws, { keyId: existing.id, keepTierModes: true });
    // Clearing another provider's key leaves a Standard tier that points elsewhere as it is.
    if (!model && current.provider !== provider) return getAiConfig(db, ws.id);
    keyId = null;
  } else {
    keyId = (await primaryKey(db, ws.id, provider))?.id ?? null;
  }

  const keyModels = keyId ? ((await primaryKey(db, ws.id, provider))?.models.map((m) => m.modelId) ?? []) : [];
  const keptModel = current.provider === provider ? current.modelId : undefined;
  const chosen = model ?? keptModel ?? keyModels[0];
  if (!chosen) throw new AppError('BAD_REQUEST', 'Name the model to use with this provider.', 'model_required');
  if (keyId) assertOffersModel(keyModels, model);
  await pointStandard(db, ws.id, { source: 'byok', provider, modelId: chosen, keyId });
  return getAiConfig(db, ws.id);
}
