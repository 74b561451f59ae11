import 'server-only';
// A user's AI defaults (PRODUCT.md M6, seed 001): mode, provider, model and an optional key, applied to
// every workspace the user creates afterwards unless the creation says otherwise. The key is probed
// before it is stored, sealed under its own data key, and re-sealed for the new workspace (with a new
// key id, data key and associated data) when copied. A replaced or cleared key leaves the database's
// files as a removed workspace key does.
import { type AiConfig, type AiConfigInput, normaliseModelId } from '~/lib/schemas/ai-config';
import { type KeyOutcome, outcomeMessage, PROVIDERS, type ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { allowsByok, BYOK_PLAN_IDS, requireOwnByokWorkspace } from '~/server/policy';
import { probeKey } from '~/server/providers/probe';
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
export async function applyUserDefaultsToWorkspace(db: Db, userId: string, workspaceId: string): Promise<InheritedKeyNote | null> {
  const d = await db.userAiDefaults.findUnique({ where: { userId } });
  if (!d) return null;
  const provider = d.provider as ProviderId;

  if (d.mode === 'managed') {
    const target = (d.model && (await findPlatformModel(db, { provider, modelId: d.model }))) || (await platformDefault(db, 'standard'));
    await pointTier(db, workspaceId, 'standard', platformTarget(target));
    return null;
  }

  let keyId: string | null = null;
  let note: InheritedKeyNote | null = null;
  if (d.keyId && d.nonce && d.ciphertext && d.tag && d.formatVersion !== null && d.alg) {
    const sealedUser = { ...d, userId, provider, keyId: d.keyId, formatVersion: d.formatVersion, alg: d.alg, nonce: d.nonce, ciphertext: d.ciphertext, tag: d.tag };
    const plaintext = await openUserKey(db, sealedUser);
    // Probed before it is stored, as any key: one the provider refuses is not copied at all.
    const probe = await probeKey(provider, plaintext);
    const name = PROVIDERS[provider].name;
    if (probe.outcome === 'invalid_key' || probe.outcome === 'permission_denied' || probe.outcome === 'no_credit') {
      log.warn({ provider, outcome: probe.outcome }, 'inherited key refused by its provider: not copied');
      await pointTier(db, workspaceId, 'standard', platformTarget(await platformDefault(db, 'standard')));
      return {
        provider, state: 'not_stored', outcome: probe.outcome,
        message: `Your default ${name} key was not copied: ${outcomeMessage(probe.outcome, provider)} This workspace starts on platform models; update your defaults under Account.`,
      };
    }
    // A transient failure (rate limit, outage) stores it failing, without models, for a later Verify.
    // Not a key the owner adds on a BYOK plan: the new workspace is on Free (see the note below).
    const stored = await insertKey(db, {
      actor: { id: userId, tokenPrefix: null }, workspaceId, provider, label: PRIMARY_LABEL, key: plaintext,
      outcome: probe.outcome, models: probe.outcome === 'valid' ? probe.models : null, point: null,
      requireByokPlan: false, auditOutcome: 'inherited',
    });
    keyId = stored.id;
    const plan = (await db.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { plan: true } })).plan;
    note = allowsByok(plan)
      ? { provider, state: 'usable', outcome: probe.outcome, message: `Your default ${name} key was copied into this workspace.` }
      : {
          provider, state: 'waiting_for_plan', outcome: probe.outcome,
          message: `Your default ${name} key was copied into this workspace, but it waits for a paid plan: new workspaces start on Free, where runs use platform credits. Ask your operator to move this workspace to Pro or above (npm run admin -- set-plan --workspace <slug> --plan pro) and the key serves the next run.`,
        };
  }
  if (d.model) await pointTier(db, workspaceId, 'standard', byokTarget({ provider, modelId: d.model, keyId }));
  return note;
}

/** What became of the creator's default key in a new workspace (said by the creation form and answer). */
export type InheritedKeyNote = {
  provider: ProviderId;
  /** usable: serves now; waiting_for_plan: stored, serves once the workspace is on a paid plan; not_stored: refused by its provider. */
  state: 'usable' | 'waiting_for_plan' | 'not_stored';
  outcome: KeyOutcome;
  message: string;
};
