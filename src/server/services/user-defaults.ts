import 'server-only';
// A user's AI defaults (PRODUCT.md M6, seed 001): mode, provider, model and an optional key, applied to
// every workspace the user creates afterwards unless the creation says otherwise. The key is probed
// before it is stored, sealed under its own data key, and re-sealed for the new workspace (with a new
// key id, data key and associated data) when copied. A replaced or cleared key leaves the database's
// files as a removed workspace key does.
import { type AiConfig, type AiConfigInput, normaliseModelId } from '~/lib/schemas/ai-config';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { BYOK_PLAN_IDS, requireOwnByokWorkspace } from '~/server/policy';
import { listKeyModels, probeKey } from '~/server/providers/probe';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import type { Ctx, UserScope } from '~/server/services/context';
import { assertOffersModel, checkedKey, probeFailure } from '~/server/services/keys/checks';
import { PRIMARY_LABEL } from '~/server/services/keys/queries';
import { insertKey } from '~/server/services/keys/writer';
import { takeProbeSlot } from '~/server/services/probe-limit';
import { byokTarget, platformTarget, pointTier } from '~/server/services/tiers';
import { openUserKey, sealUserKey } from '~/server/vault/envelope';
import { reclaimKeySpace } from '~/server/vault/reclaim';
import { FINGERPRINT_VERSION, keyFingerprint } from '~/server/vault/fingerprint';
import { maskKey } from '~/server/vault/mask';

/** The workspaces the user owns on plans that allow keys (a default key needs one: policy.requireOwnByokWorkspace). */
function ownedByokWorkspaces(db: Db, userId: string): Promise<number> {
  return db.membership.count({ where: { userId, role: 'owner', workspace: { plan: { in: [...BYOK_PLAN_IDS] } } } });
}

const KEY_COLUMNS_CLEARED = {
  keyId: null, maskedHint: null, fingerprint: null, fpVersion: null, formatVersion: null, alg: null,
  dekVersion: null, kekVersion: null, dekNonce: null, wrappedDek: null, dekTag: null, nonce: null, ciphertext: null, tag: null,
} as const;

async function storedKeyId(db: Db, userId: string): Promise<string | null> {
  return (await db.userAiDefaults.findUnique({ where: { userId }, select: { keyId: true } }))?.keyId ?? null;
}

export async function getUserAiDefaults({ db, actor }: UserScope): Promise<AiConfig | null> {
  const row = await db.userAiDefaults.findUnique({
    where: { userId: actor.id },
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

export async function setUserAiDefaults(ctx: Ctx, input: AiConfigInput): Promise<AiConfig> {
  const { db, actor } = ctx;
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
    return (await getUserAiDefaults(ctx))!;
  }

  if (typeof input.apiKey === 'string') {
    const f = checkedKey(input.provider, input.apiKey);
    requireOwnByokWorkspace(await ownedByokWorkspaces(db, userId));
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
    return (await getUserAiDefaults(ctx))!;
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
  return (await getUserAiDefaults(ctx))!;
}

export async function clearUserAiDefaults({ db, actor }: UserScope): Promise<void> {
  const hadKey = (await storedKeyId(db, actor.id)) !== null;
  await db.userAiDefaults.deleteMany({ where: { userId: actor.id } });
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
    await pointTier(db, workspaceId, 'standard', platformTarget(target));
    return;
  }

  let keyId: string | null = null;
  if (d.keyId && d.nonce && d.ciphertext && d.tag && d.formatVersion !== null && d.alg) {
    const sealedUser = { ...d, userId, provider, keyId: d.keyId, formatVersion: d.formatVersion, alg: d.alg, nonce: d.nonce, ciphertext: d.ciphertext, tag: d.tag };
    const plaintext = await openUserKey(db, sealedUser);
    const listed = await listKeyModels(provider, plaintext);
    if (!('ok' in listed)) log.warn({ provider, outcome: listed.outcome }, 'inherited key could not list its models');
    // Not a key the owner adds on a BYOK plan: the new workspace is on Free, and the key was probed when
    // its user stored it.
    const stored = await insertKey(db, {
      actor: { id: userId, tokenPrefix: null }, workspaceId, provider, label: PRIMARY_LABEL, key: plaintext,
      outcome: 'ok' in listed ? 'valid' : listed.outcome, models: 'ok' in listed ? listed.models : null, point: null,
      requireByokPlan: false, auditOutcome: 'inherited',
    });
    keyId = stored.id;
  }
  if (d.model) await pointTier(db, workspaceId, 'standard', byokTarget({ provider, modelId: d.model, keyId }));
}
