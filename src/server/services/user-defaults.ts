// A user's AI defaults (PRODUCT.md M6, seed 001): mode, provider, model and an optional key, applied to
// every workspace the user creates afterwards unless the creation says otherwise. The key is probed
// before it is stored, sealed under its own data key, and re-sealed for the new workspace (with a new
// key id, data key and associated data) when copied. A replaced or cleared key leaves the database's
// files as a removed workspace key does.
import { type AiConfig, type AiConfigInput, normaliseModelId } from '~/lib/ai-config';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { listKeyModels, probeKey } from '~/server/providers/probe';
import { writeAudit } from '~/server/services/audit';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import { assertOffersModel, checkedKey, probeFailure } from '~/server/services/keys';
import { takeProbeSlot } from '~/server/services/probe-limit';
import { openUserKey, sealProviderKey, sealUserKey } from '~/server/vault/envelope';
import { reclaimKeySpace } from '~/server/vault/reclaim';
import { FINGERPRINT_VERSION, keyFingerprint } from '~/server/vault/fingerprint';
import { maskKey } from '~/server/vault/mask';
import type { Actor } from '~/server/actor';
import { BYOK_PLAN_NAMES, BYOK_PLANS } from '~/lib/plans';

/**
 * A default key is probed like any key, and probes are for plans that allow keys: storing one needs a
 * workspace of your own on such a plan (a Free account cannot use it anywhere, and must not get probes).
 */
async function assertOwnsByokWorkspace(db: Db, userId: string): Promise<void> {
  const owned = await db.membership.count({ where: { userId, role: 'owner', workspace: { plan: { in: [...BYOK_PLANS] } } } });
  if (owned === 0) {
    throw new AppError(
      'FORBIDDEN',
      `A default key needs a workspace of yours on the ${BYOK_PLAN_NAMES.join(', ')} plans. Without one, choose platform models (managed).`,
      'plan_required',
      { plans: BYOK_PLAN_NAMES },
    );
  }
}

const KEY_COLUMNS_CLEARED = {
  keyId: null, maskedHint: null, fingerprint: null, fpVersion: null, formatVersion: null, alg: null,
  dekVersion: null, kekVersion: null, dekNonce: null, wrappedDek: null, dekTag: null, nonce: null, ciphertext: null, tag: null,
} as const;

async function storedKeyId(db: Db, userId: string): Promise<string | null> {
  return (await db.userAiDefaults.findUnique({ where: { userId }, select: { keyId: true } }))?.keyId ?? null;
}

export async function getUserAiDefaults(db: Db, userId: string): Promise<AiConfig | null> {
  const row = await db.userAiDefaults.findUnique({
    where: { userId },
    select: { mode: true, provider: true, model: true, maskedHint: true },
  });
  if (!row) return null;
  return {
    mode: row.mode as AiConfig['mode'],
    provider: row.provider as ProviderId,
    model: row.model,
    hasApiKey: row.maskedHint !== null,
    apiKeyHint: row.maskedHint,
  };
}

export async function setUserAiDefaults(db: Db, actor: Pick<Actor, 'id' | 'clientIp'>, input: AiConfigInput): Promise<AiConfig> {
  const userId = actor.id;
  const model = normaliseModelId(input.provider, input.model);
  const base = { mode: input.mode, provider: input.provider, model: model ?? null };

  if (input.mode === 'managed') {
    if (model && !(await findPlatformModel(db, { provider: input.provider, modelId: model }))) {
      throw new AppError('BAD_REQUEST', 'That model is not one of the platform models for this provider.', 'unknown_model');
    }
    const hadKey = (await storedKeyId(db, userId)) !== null;
    await db.userAiDefaults.upsert({ where: { userId }, create: { userId, ...base }, update: { ...base, ...KEY_COLUMNS_CLEARED } });
    if (hadKey) await reclaimKeySpace(db);
    return (await getUserAiDefaults(db, userId))!;
  }

  if (typeof input.apiKey === 'string') {
    const f = checkedKey(input.provider, input.apiKey);
    await assertOwnsByokWorkspace(db, userId);
    await takeProbeSlot(db, { userId, workspaceId: null, clientIp: actor.clientIp });
    const probe = await probeKey(input.provider, f.key);
    if (probe.outcome !== 'valid') throw probeFailure(input.provider, probe);
    assertOffersModel(probe.models.map((m) => m.id), model);
    const keyId = newId();
    const sealed = await sealUserKey({ userId, provider: input.provider, keyId }, f.key);
    const keyData = {
      keyId, maskedHint: maskKey(f.key), fingerprint: keyFingerprint(f.key), fpVersion: FINGERPRINT_VERSION, ...sealed,
      model: model ?? probe.models[0]?.id ?? null,
    };
    const hadKey = (await storedKeyId(db, userId)) !== null;
    await db.userAiDefaults.upsert({ where: { userId }, create: { userId, ...base, ...keyData }, update: { ...base, ...keyData } });
    if (hadKey) await reclaimKeySpace(db);
    return (await getUserAiDefaults(db, userId))!;
  }

  const existing = await db.userAiDefaults.findUnique({ where: { userId }, select: { provider: true, keyId: true } });
  // A stored key belongs to one provider: clear it when the key is cleared or the provider changes.
  const clearKey = input.apiKey === null || (existing && existing.provider !== input.provider);
  await db.userAiDefaults.upsert({
    where: { userId },
    create: { userId, ...base },
    update: { ...base, ...(clearKey ? KEY_COLUMNS_CLEARED : {}) },
  });
  if (clearKey && existing?.keyId) await reclaimKeySpace(db);
  return (await getUserAiDefaults(db, userId))!;
}

export async function clearUserAiDefaults(db: Db, userId: string): Promise<void> {
  const hadKey = (await storedKeyId(db, userId)) !== null;
  await db.userAiDefaults.deleteMany({ where: { userId } });
  if (hadKey) await reclaimKeySpace(db);
}

/**
 * Gives a workspace the creator's defaults: the Standard tier and, for byok with a key, a `primary`
 * key re-sealed under the workspace's own data key. The key is listed with its provider first (no
 * token spent) so its models are known; if that fails it is stored and shown as failing.
 */
export async function applyUserDefaultsToWorkspace(db: Db, userId: string, workspaceId: string): Promise<void> {
  const d = await db.userAiDefaults.findUnique({ where: { userId } });
  if (!d) return;
  const provider = d.provider as ProviderId;

  if (d.mode === 'managed') {
    const target = (d.model && (await findPlatformModel(db, { provider, modelId: d.model }))) || (await platformDefault(db, 'standard'));
    await db.tierDefault.upsert({
      where: { workspaceId_tier: { workspaceId, tier: 'standard' } },
      create: { workspaceId, tier: 'standard', source: 'platform', platformModelId: target.id, provider: target.provider, modelId: target.modelId },
      update: { source: 'platform', platformModelId: target.id, provider: target.provider, modelId: target.modelId, keyId: null },
    });
    return;
  }

  let keyId: string | null = null;
  if (d.keyId && d.nonce && d.ciphertext && d.tag && d.formatVersion !== null && d.alg) {
    const sealedUser = { ...d, userId, provider, keyId: d.keyId, formatVersion: d.formatVersion, alg: d.alg, nonce: d.nonce, ciphertext: d.ciphertext, tag: d.tag };
    const plaintext = await openUserKey(db, sealedUser);
    const listed = await listKeyModels(provider, plaintext);
    const models = 'ok' in listed ? listed.models : [];
    if (!('ok' in listed)) log.warn({ provider, outcome: listed.outcome }, 'inherited key could not list its models');
    keyId = newId();
    const newKeyId = keyId;
    const now = new Date();
    const sealed = await sealProviderKey({ workspaceId, provider, keyId: newKeyId }, plaintext);
    await db.$transaction(async (tx) => {
      await tx.providerKey.create({
        data: {
          id: newKeyId, workspaceId, provider, label: 'primary', maskedHint: d.maskedHint ?? maskKey(plaintext),
          fingerprint: keyFingerprint(plaintext), fpVersion: FINGERPRINT_VERSION, ...sealed,
          status: 'ok' in listed ? 'active' : 'failing',
          lastOutcome: 'ok' in listed ? 'valid' : listed.outcome,
          lastValidatedAt: now, modelsRefreshedAt: 'ok' in listed ? now : null, createdById: userId,
        },
      });
      await tx.discoveredModel.createMany({
        data: models.map((m) => ({ keyId: newKeyId, modelId: m.id, displayName: m.displayName, contextWindow: m.contextWindow, refreshedAt: now })),
        skipDuplicates: true,
      });
      await writeAudit(tx, { workspaceId, actorId: userId, keyId: newKeyId, provider, label: 'primary', operation: 'key.create', outcome: 'inherited' });
    });
  }
  if (d.model) {
    await db.tierDefault.upsert({
      where: { workspaceId_tier: { workspaceId, tier: 'standard' } },
      create: { workspaceId, tier: 'standard', source: 'byok', provider, modelId: d.model, keyId },
      update: { source: 'byok', provider, modelId: d.model, keyId, platformModelId: null },
    });
  }
}
