import 'server-only';
// Which credential and model a run's script step uses (PRODUCT.md G1–G3, docs/key-controls.md): the
// chosen or tier-default model, the workspace's keys in the owner's order, then platform credits as the
// fallback policy allows. Planned when the run is created and again when a worker starts it.
import type { ModelChoice, PlatformModelDto, Tier } from '~/lib/schemas/models';
import type { CredentialSource } from '~/lib/schemas/generation';
import type { ProviderId } from '~/lib/providers';
import type { Actor as RequestActor } from '~/server/actor';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { queryRows } from '~/server/db/sql';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { allowsByok, requireByokPlan } from '~/server/policy';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import { maxTokensOf } from '~/server/services/pricing';
import { getFallbackPolicy, getTierSetting } from '~/server/services/tiers';
import { fallbackAllowed, failsOver, type KeyFailure, POLICY_WORDS, servingOrder } from '~/server/services/keys/selection';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import type { MembershipDto } from '~/lib/schemas/workspaces';
import { findStoredKey, findStoredKeys, type StoredKey } from '~/server/vault/decrypt';
import type { Classified } from './messages';

export const MAX_OUTPUT_TOKENS = 1024;
export const SYSTEM = 'You write short, vivid video scripts: a title line, then numbered scenes with narration.';
const SYSTEM_BYTES = Buffer.byteLength(SYSTEM, 'utf8');

export type Ws = Pick<MembershipDto, 'id' | 'plan'>;
export type Actor = Pick<RequestActor, 'id'>;
/** What a run reads of its request: the database, who runs it and the workspace's id and plan. */
export type RunCtx = { db: Db; actor: Actor; workspace: Ws };

export type ScriptPlan = {
  provider: ProviderId;
  modelId: string;
  source: Exclude<CredentialSource, 'platform'>;
  keyId: string | null;
  /** The workspace's key, still sealed: read once, for the plan and then the decryption. */
  stored: StoredKey | null;
  price: { in: number; out: number } | null; // managed only
  fallbackReason: string | null;
  /** The workspace's fallback policy, read once per run and recorded on it. */
  fallbackPolicy: FallbackPolicy;
  /** The keys this run has tried, so failover never comes back to one (keys/selection.ts). */
  tried: string[];
};

/** An upper bound of a run's input tokens (the prompt and the system text), for its reservation. */
export function estimateInputTokens(prompt: string): number {
  return maxTokensOf(Buffer.byteLength(prompt, 'utf8') + SYSTEM_BYTES);
}

const managedPlan = (m: PlatformModelDto, source: 'managed' | 'managed_fallback', reason: string | null, fallbackPolicy: FallbackPolicy): ScriptPlan => ({
  provider: m.provider,
  modelId: m.modelId,
  source,
  keyId: null,
  stored: null,
  price: { in: m.creditsPer1kInput, out: m.creditsPer1kOutput },
  fallbackReason: reason,
  fallbackPolicy,
  tried: [],
});

async function enabledPlatformModel(db: Db, provider: string, modelId: string): Promise<PlatformModelDto> {
  const m = await findPlatformModel(db, { provider, modelId });
  if (!m) throw new AppError('SERVICE_UNAVAILABLE', 'That platform model is not available.', 'model_unavailable');
  return m;
}

/** The tier's platform model, when the policy allows falling back to it after `failure`; otherwise a clear refusal. */
async function fallbackOrRefuse(db: Db, tier: Tier, policy: FallbackPolicy, failure: KeyFailure, reason: string): Promise<ScriptPlan> {
  if (!fallbackAllowed(policy, failure)) {
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      `No usable key: ${reason}. ${POLICY_WORDS[policy]}, so nothing was run or charged. An owner can fix the key in Settings → Models → API Keys, or change the fallback policy under Models.`,
      'no_usable_key',
    );
  }
  return managedPlan(await platformDefault(db, tier), 'managed_fallback', reason, policy);
}

/**
 * The provider's next serving key (keys/selection.ts: not paused, readable, in the owner's order) that
 * offers `modelId` and this run has not tried yet, or null.
 */
async function nextKeyPlan(db: Db, ws: Ws, from: { provider: ProviderId; modelId: string; tried: string[]; fallbackPolicy: FallbackPolicy }): Promise<ScriptPlan | null> {
  const keys = servingOrder(await findStoredKeys(db, { workspaceId: ws.id, provider: from.provider })).filter((k) => !from.tried.includes(k.id));
  if (!keys.length) return null;
  const offering = await db.discoveredModel.findMany({
    where: { keyId: { in: keys.map((k) => k.id) }, modelId: from.modelId, available: true },
    select: { keyId: true },
  });
  const next = keys.find((k) => offering.some((o) => o.keyId === k.id));
  return next ? byokPlanOf(next, from.modelId, from.fallbackPolicy, from.tried) : null;
}

/** After the workspace's key failed (or could not be used): the provider's next key, else the platform under the policy. */
export async function nextOrFallback(db: Db, ws: Ws, tier: Tier, plan: ScriptPlan, failure: KeyFailure, reason: string): Promise<ScriptPlan> {
  if (failsOver(failure) || failure === 'paused') {
    const next = await nextKeyPlan(db, ws, plan);
    if (next) return next;
  }
  return fallbackOrRefuse(db, tier, plan.fallbackPolicy, failure, reason);
}

/** Whether the workspace's key (still) offers the model: only a model the key itself reported is ever sent with it. */
async function keyOffers(db: Db, ws: Ws, keyId: string, modelId: string): Promise<boolean> {
  const rows = await queryRows(db, Prisma.sql`
    SELECT 1 FROM discovered_model d JOIN provider_key k ON k.id = d."keyId"
    WHERE d."keyId" = ${keyId} AND d."modelId" = ${modelId} AND d.available AND k."workspaceId" = ${ws.id}`);
  return rows.length === 1;
}

export async function planScript(db: Db, ws: Ws, choice: ModelChoice | null, tier: Tier): Promise<ScriptPlan> {
  const byokAllowed = allowsByok(ws.plan);
  if (choice?.source === 'byok') {
    requireByokPlan(ws.plan);
    // Read at once: the policy, the sealed key, and whether the key offers the model.
    const [policy, key, offered] = await Promise.all([
      getFallbackPolicy({ db, workspace: ws }),
      findStoredKey(db, { workspaceId: ws.id, keyId: choice.keyId }),
      keyOffers(db, ws, choice.keyId, choice.modelId),
    ]);
    if (!key) return fallbackOrRefuse(db, tier, policy, 'missing', 'the chosen key was removed');
    if (!offered) {
      throw new AppError('BAD_REQUEST', 'That key does not offer this model. Pick one of the models listed under the key.', 'model_unavailable');
    }
    return byokPlan(db, ws, tier, key, choice.modelId, policy);
  }
  const policy = await getFallbackPolicy({ db, workspace: ws });
  if (choice?.source === 'platform') {
    const m = await findPlatformModel(db, { id: choice.platformModelId });
    if (!m) throw new AppError('BAD_REQUEST', 'That platform model is not in the catalog.', 'unknown_model');
    return managedPlan(m, 'managed', null, policy);
  }
  const setting = await getTierSetting(db, ws.id, tier);
  if (setting.choice?.source === 'platform' || setting.isPlatformDefault) {
    return managedPlan(await enabledPlatformModel(db, setting.provider, setting.modelId), 'managed', null, policy);
  }
  if (!byokAllowed) return fallbackOrRefuse(db, tier, policy, 'missing', 'this workspace is on the Free plan');
  if (setting.broken === 'key_missing' || setting.choice?.source !== 'byok') return fallbackOrRefuse(db, tier, policy, 'missing', `the ${tier} default has no key`);
  if (setting.broken === 'model_unavailable') return fallbackOrRefuse(db, tier, policy, 'missing', 'the key no longer offers the default model');
  const key = await findStoredKey(db, { workspaceId: ws.id, keyId: setting.choice.keyId });
  if (!key) return fallbackOrRefuse(db, tier, policy, 'missing', `the ${tier} default has no key`);
  return byokPlan(db, ws, tier, key, setting.modelId, policy);
}

const byokPlanOf = (key: StoredKey, modelId: string, fallbackPolicy: FallbackPolicy, tried: string[]): ScriptPlan => ({
  provider: key.provider as ProviderId, modelId, source: 'byok', keyId: key.id, stored: key, price: null, fallbackReason: null, fallbackPolicy,
  tried: [...tried, key.id],
});

/** The chosen key, unless it is paused or unreadable: then the provider's next key, or the platform under the policy. */
function byokPlan(db: Db, ws: Ws, tier: Tier, key: StoredKey, modelId: string, policy: FallbackPolicy): Promise<ScriptPlan> | ScriptPlan {
  const plan = byokPlanOf(key, modelId, policy, []);
  if (key.pausedAt) return nextOrFallback(db, ws, tier, plan, 'paused', `your ${key.label} key is paused`);
  if (key.status === 'needs_reentry') return nextOrFallback(db, ws, tier, plan, 'key_unreadable', 'the key can no longer be read');
  return plan;
}

export async function imageModel(db: Db) {
  const provider = serverEnv().PLATFORM_IMAGE_PROVIDER;
  const m = await db.platformModel.findFirst({ where: { provider, kind: 'image', enabled: true }, orderBy: { id: 'asc' } });
  if (!m) throw new AppError('SERVICE_UNAVAILABLE', 'No image model is configured.', 'catalog_incomplete');
  return { provider, modelId: m.modelId, perImage: m.creditsPerImage };
}

/** The script step's plan again, from the run's rows (the sealed key is read again, never queued). */
export async function planOfStep(
  db: Db,
  workspaceId: string,
  step: { provider: string; modelId: string; credentialSource: string; keyId: string | null },
  fallbackReason: string | null,
  fallbackPolicy: FallbackPolicy,
  workspacePlan: string,
): Promise<{ plan: ScriptPlan; failure: Classified | null }> {
  // The policy is the one recorded when the run was created; the key it starts with counts as tried.
  const base = { provider: step.provider as ProviderId, modelId: step.modelId, fallbackReason, fallbackPolicy, tried: step.keyId ? [step.keyId] : [] };
  if (step.credentialSource === 'byok') {
    const stored = step.keyId ? await findStoredKey(db, { workspaceId, keyId: step.keyId }) : null;
    // The run may have waited in the queue: what changed meanwhile counts as at the start of a run. A plan
    // without own keys ends it; a paused key hands over to the next key or the fallback policy; a removed or
    // unreadable one is as if it could not be read (which may fall back to credits too).
    const failure: Classified | null = !allowsByok(workspacePlan)
      ? { code: 'plan_changed', retryAfterSeconds: null }
      : !stored || stored.status === 'needs_reentry'
        ? { code: 'key_unreadable', retryAfterSeconds: null }
        : stored.pausedAt
          ? { code: 'key_paused', retryAfterSeconds: null }
          : null;
    return { plan: { ...base, source: 'byok', keyId: step.keyId, stored, price: null }, failure };
  }
  const m = await findPlatformModel(db, { provider: step.provider, modelId: step.modelId });
  const source = step.credentialSource === 'managed_fallback' ? 'managed_fallback' : 'managed';
  return {
    plan: { ...base, source, keyId: null, stored: null, price: m ? { in: m.creditsPer1kInput, out: m.creditsPer1kOutput } : null },
    failure: m ? null : { code: 'model_unavailable', retryAfterSeconds: null },
  };
}

/** The image step's model and price, from the run's row. */
export async function imagePrice(db: Db, row: { provider: string; modelId: string }) {
  const m = await db.platformModel.findFirst({ where: { provider: row.provider, modelId: row.modelId, kind: 'image' }, select: { creditsPerImage: true } });
  return { provider: row.provider as 'openai' | 'google', modelId: row.modelId, perImage: m?.creditsPerImage ?? 0 };
}
