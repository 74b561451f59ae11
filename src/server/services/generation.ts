import 'server-only';
// A Content Studio run (PRODUCT.md G1–G5): resolve the credential, reserve credits for every managed
// step before any provider call, stream the script step through the AI SDK (the decrypted key lives
// only for that call), then the image step through the platform's image provider, settling credits
// from actual usage and releasing them on failure or cancel. No automatic retry that could bill twice.
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError, generateImage } from 'ai';
import type { ModelChoice, PlatformModelDto, Tier } from '~/lib/schemas/models';
import { type CredentialSource, type GenerateInput, type RunEvent, type RunErrorCode, type StepView, ZGenerateInput } from '~/lib/schemas/generation';
import { type ProviderId, outcomeMessage, PROVIDERS } from '~/lib/providers';
import { Prisma } from '~/generated/prisma/client';
import type { Actor as RequestActor } from '~/server/actor';
import type { Db } from '~/server/db/connect';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import { allowsByok, requireByokPlan } from '~/server/policy';
import { classifyHttpFailure } from '~/server/providers/classify';
import { safeJsonParse } from '~/server/providers/http';
import { imageModelFor, platformKey, textModelFor } from '~/server/providers/sdk';
import { findPlatformModel, platformDefault } from '~/server/services/catalog';
import type { WorkspaceScope } from '~/server/services/context';
import { keyUsedSql, markKeyRejected } from '~/server/services/keys/writer';
import { getBalance, release, RunLedger } from '~/server/services/credits';
import { appendRunEvent } from '~/server/services/run-events';
import { maxTokensOf, textCredits } from '~/server/services/pricing';
import { getFallbackPolicy, getTierSetting } from '~/server/services/tiers';
import { failsOver, fallbackAllowed, type KeyFailure, keyFailureOf, POLICY_WORDS, servingOrder } from '~/server/services/keys/selection';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import type { MembershipDto } from '~/lib/schemas/workspaces';
import { decryptStoredKey, findStoredKey, findStoredKeys, type StoredKey } from '~/server/vault/decrypt';
import { MasterKeyUnavailable } from '~/server/vault/keyring';

export const MAX_OUTPUT_TOKENS = 1024;
/** A script step's attempts: its key, the provider's other keys in order, then platform credits. */
const MAX_SCRIPT_ATTEMPTS = 6;
const SYSTEM = 'You write short, vivid video scripts: a title line, then numbered scenes with narration.';
const SYSTEM_BYTES = Buffer.byteLength(SYSTEM, 'utf8');

type Ws = Pick<MembershipDto, 'id' | 'plan'>;
type Actor = Pick<RequestActor, 'id'>;
/** What a run reads of its request: the database, who runs it and the workspace's id and plan. */
type RunCtx = { db: Db; actor: Actor; workspace: Ws };

type ScriptPlan = {
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
function estimateInputTokens(prompt: string): number {
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
async function nextOrFallback(db: Db, ws: Ws, tier: Tier, plan: ScriptPlan, failure: KeyFailure, reason: string): Promise<ScriptPlan> {
  if (failsOver(failure) || failure === 'paused') {
    const next = await nextKeyPlan(db, ws, plan);
    if (next) return next;
  }
  return fallbackOrRefuse(db, tier, plan.fallbackPolicy, failure, reason);
}

async function planScript(db: Db, ws: Ws, choice: ModelChoice | null, tier: Tier): Promise<ScriptPlan> {
  const byokAllowed = allowsByok(ws.plan);
  const policy = await getFallbackPolicy({ db, workspace: ws });
  if (choice?.source === 'platform') {
    const m = await findPlatformModel(db, { id: choice.platformModelId });
    if (!m) throw new AppError('BAD_REQUEST', 'That platform model is not in the catalog.', 'unknown_model');
    return managedPlan(m, 'managed', null, policy);
  }
  if (choice?.source === 'byok') {
    requireByokPlan(ws.plan);
    // Only a model the key itself reported (and still offers) is ever sent to the provider with it.
    const [key, offered] = await Promise.all([
      findStoredKey(db, { workspaceId: ws.id, keyId: choice.keyId }),
      db.discoveredModel.count({ where: { keyId: choice.keyId, modelId: choice.modelId, available: true, key: { workspaceId: ws.id } } }),
    ]);
    if (!key) return fallbackOrRefuse(db, tier, policy, 'missing', 'the chosen key was removed');
    if (offered !== 1) {
      throw new AppError('BAD_REQUEST', 'That key does not offer this model. Pick one of the models listed under the key.', 'model_unavailable');
    }
    return byokPlan(db, ws, tier, key, choice.modelId, policy);
  } else {
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

async function imageModel(db: Db) {
  const provider = serverEnv().PLATFORM_IMAGE_PROVIDER;
  const m = await db.platformModel.findFirst({ where: { provider, kind: 'image', enabled: true }, orderBy: { id: 'asc' } });
  if (!m) throw new AppError('SERVICE_UNAVAILABLE', 'No image model is configured.', 'catalog_incomplete');
  return { provider, modelId: m.modelId, perImage: m.creditsPerImage };
}

// ---- errors ----

type Classified = { code: RunErrorCode; retryAfterSeconds: number | null };

function classifyRunError(provider: ProviderId, err: unknown, producedText: boolean): Classified {
  const e = err as { name?: string; lastError?: unknown };
  const inner = e?.name === 'AI_RetryError' && e.lastError ? e.lastError : err;
  if (APICallError.isInstance(inner) && inner.statusCode && inner.statusCode >= 400) {
    const c = classifyHttpFailure(provider, {
      status: inner.statusCode,
      headers: new Headers(inner.responseHeaders ?? {}),
      json: safeJsonParse(inner.responseBody ?? ''),
      text: inner.responseBody ?? '',
    });
    return { code: c.outcome === 'model_problem' ? 'model_unavailable' : c.outcome, retryAfterSeconds: c.retryAfterSeconds };
  }
  return { code: producedText ? 'stream_interrupted' : 'provider_unavailable', retryAfterSeconds: null };
}

export function runErrorMessage(code: string, provider: ProviderId | null, byok: boolean, retryAfterSeconds: number | null = null): string {
  const name = provider ? PROVIDERS[provider].name : 'The provider';
  switch (code) {
    case 'invalid_key':
      return byok
        ? `${name} rejected your workspace's key. The key is marked failing in Settings → API Keys: an owner should replace it.`
        : `${name} rejected the platform's credentials. Try another model; we have been alerted.`;
    case 'permission_denied':
    case 'no_credit':
      return byok ? outcomeMessage(code, provider ?? 'openai') : `${name} refused the platform's request. Try another model.`;
    case 'rate_limited':
      return byok
        ? `${name} is rate-limiting your key${retryAfterSeconds ? `: try again in about ${Math.ceil(retryAfterSeconds)} s` : ': try again shortly'}.`
        : `${name} is busy${retryAfterSeconds ? `: try again in about ${Math.ceil(retryAfterSeconds)} s` : ': try again shortly'}.`;
    case 'model_unavailable':
      return `${name} does not offer this model${byok ? ' to your key' : ''} any more. Pick another model.`;
    case 'provider_unavailable':
      return `${name} did not respond. Nothing was charged for the failed step; try again in a few minutes.`;
    case 'stream_interrupted':
      return `${name} stopped in the middle of the script. The partial text is kept; nothing was charged for the failed step. Try again.`;
    case 'key_unreadable':
      return 'This key can no longer be read. An owner should re-enter it in Settings → API Keys.';
    case 'key_paused':
      return 'An owner paused this key while the run waited. Nothing was charged for the step.';
    case 'plan_changed':
      return 'This workspace’s plan no longer includes its own keys, so the run stopped before calling the provider. Nothing was charged; pick a platform model.';
    case 'master_key_unavailable':
      return 'Your key could not be unlocked because the encryption key service is unavailable. Nothing was charged; try again in a minute.';
    case 'cancelled':
      return 'Cancelled. Unused credits were returned.';
    case 'image_failed':
      return 'The images could not be made. Their credits were returned; try again.';
    case 'interrupted':
      return 'The server stopped during this run. Its reserved credits were returned.';
    case 'internal_error':
      return 'Something went wrong during this run. Its reserved credits were returned; try again.';
    default:
      return 'The run failed. Try again.';
  }
}

// ---- the run ----

function stepView(s: {
  id: string; kind: string; provider: string; modelId: string; credentialSource: string; status: string; errorCode: string | null;
  inputTokens: number | null; outputTokens: number | null; credits: number; startedAt: Date | null; finishedAt: Date | null;
}): StepView {
  return { ...s, kind: s.kind as StepView['kind'], credentialSource: s.credentialSource as CredentialSource };
}

const stepSelect = {
  id: true, kind: true, provider: true, modelId: true, credentialSource: true, status: true, errorCode: true,
  inputTokens: true, outputTokens: true, credits: true, startedAt: true, finishedAt: true,
} as const;

/** Changes a step and returns how it now looks, in one round trip. */
async function updateStep(db: Db, id: string, data: Prisma.GenerationStepUpdateInput): Promise<StepView> {
  return stepView(await db.generationStep.update({ where: { id }, data, select: stepSelect }));
}

type NewRun = {
  id: string; workspaceId: string; actorId: string; prompt: string; tier: string | null; imageCount: number; aspectRatio: string; createdAt: Date;
  fallbackNotice: string | null;
  fallbackPolicy: FallbackPolicy;
};
type NewStep = Pick<StepView, 'id' | 'kind' | 'provider' | 'modelId' | 'credentialSource'> & { keyId: string | null; reservationId: string | null };

/**
 * The queued run, its steps and the BYOK key's last use in one statement. Foreign keys are checked at the
 * statement's end, when the run exists.
 */
async function insertRun(db: Db, run: NewRun, steps: NewStep[]): Promise<void> {
  const keyId = steps.find((x) => x.keyId)?.keyId;
  await db.$executeRaw`
    WITH run AS (
      INSERT INTO generation_run (id, "workspaceId", "actorId", prompt, tier, "imageCount", "aspectRatio", status, "createdAt", "heartbeatAt", "fallbackNotice", "fallbackPolicy")
      VALUES (${run.id}, ${run.workspaceId}, ${run.actorId}, ${run.prompt}, ${run.tier}, ${run.imageCount}, ${run.aspectRatio}, 'queued', ${run.createdAt}, ${run.createdAt}, ${run.fallbackNotice}, ${run.fallbackPolicy})
    ), steps AS (
      INSERT INTO generation_step (id, "runId", kind, provider, "modelId", "credentialSource", "keyId", "reservationId", status)
      VALUES ${Prisma.join(steps.map((x) => Prisma.sql`(${x.id}, ${run.id}, ${x.kind}, ${x.provider}, ${x.modelId}, ${x.credentialSource}, ${x.keyId}, ${x.reservationId}, 'pending')`))}
    )
    ${keyId
      ? keyUsedSql({ workspaceId: run.workspaceId, keyId }, run.createdAt)
      : Prisma.sql`SELECT 1`}`;
}

/**
 * Creates a run and queues it; a worker executes it (executeRun). Validation, credential resolution and
 * the credit check happen here, so a refused run throws (and nothing was called or charged).
 *
 * Everything managed is reserved up front, so a run that cannot be paid for is refused before any call.
 * The reservations belong to the run: its worker adopts them into a RunLedger, whose `releaseAll` every
 * way out passes through; a run nobody executes holds them until they expire (the minutely sweep).
 */
export async function createRun({ db, actor, workspace: ws }: RunCtx, rawInput: GenerateInput): Promise<{ runId: string }> {
  const input = ZGenerateInput.parse(rawInput);
  const limit = serverEnv().RUNS_PER_WORKSPACE;
  const active = await db.generationRun.count({ where: { workspaceId: ws.id, status: { in: ['queued', 'running'] } } });
  if (active >= limit) {
    throw new AppError(
      'TOO_MANY_REQUESTS',
      `This workspace already has ${active} runs in progress. Wait for one to finish, or cancel one, and try again.`,
      'too_many_runs',
      { active, limit },
    );
  }
  const plan = await planScript(db, ws, input.choice, input.tier);
  const image = input.imageCount > 0 ? await imageModel(db) : null;

  const scriptNeed = plan.price ? textCredits(plan.price, estimateInputTokens(input.prompt), MAX_OUTPUT_TOKENS) : 0;
  const imageNeed = image ? image.perImage * input.imageCount : 0;
  const balance = scriptNeed + imageNeed > 0 ? await getBalance(db, ws.id) : 0;
  if (balance < scriptNeed + imageNeed) {
    throw new AppError(
      'PAYMENT_REQUIRED',
      `Not enough credits: this run needs up to ${scriptNeed + imageNeed} and the workspace has ${balance}.`,
      'insufficient_credits',
      { balance, required: scriptNeed + imageNeed },
    );
  }
  const runId = newId();
  const ledger = new RunLedger(db, ws.id, actor.id);
  try {
    const script = scriptNeed ? await ledger.reserve(scriptNeed, `run ${runId} script`) : null;
    const images = imageNeed ? await ledger.reserve(imageNeed, `run ${runId} images`) : null;
    await insertRun(
      db,
      {
        id: runId, workspaceId: ws.id, actorId: actor.id, prompt: input.prompt, tier: input.choice ? null : input.tier, imageCount: input.imageCount,
        aspectRatio: input.aspectRatio, createdAt: new Date(), fallbackNotice: plan.fallbackReason ? `Using platform credits: ${plan.fallbackReason}.` : null,
        fallbackPolicy: plan.fallbackPolicy,
      },
      [
        { id: newId(), kind: 'script', provider: plan.provider, modelId: plan.modelId, credentialSource: plan.source, keyId: plan.keyId, reservationId: script },
        ...(image ? [{ id: newId(), kind: 'image' as const, provider: image.provider, modelId: image.modelId, credentialSource: 'platform' as const, keyId: null, reservationId: images }] : []),
      ],
    );
    return { runId };
  } catch (e) {
    await ledger.releaseAll();
    throw e;
  }
}

/** Creates a run and executes it in this process, streaming its events (tests, and tools without a worker). */
export async function startGeneration(ctx: RunCtx, rawInput: GenerateInput, signal?: AbortSignal): Promise<AsyncGenerator<RunEvent>> {
  const { runId } = await createRun(ctx, rawInput);
  return executeRun(ctx.db, runId, signal);
}

/** The script step's plan again, from the run's rows (the sealed key is read again, never queued). */
async function planOfStep(
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

/**
 * Executes a queued run and streams its events. Only the caller that moves the run from queued to
 * running executes it: a job delivered twice, or a run cancelled while queued, yields nothing.
 */
export async function* executeRun(db: Db, runId: string, signal?: AbortSignal): AsyncGenerator<RunEvent> {
  const claimed = await db.generationRun.updateMany({
    where: { id: runId, status: 'queued', cancelRequestedAt: null },
    data: { status: 'running', heartbeatAt: new Date() },
  });
  if (claimed.count !== 1) return;
  const run = await db.generationRun.findUniqueOrThrow({
    where: { id: runId },
    select: {
      workspaceId: true, actorId: true, prompt: true, tier: true, imageCount: true, aspectRatio: true, fallbackNotice: true, fallbackPolicy: true,
      workspace: { select: { plan: true } },
      steps: { select: { ...stepSelect, keyId: true, reservationId: true } },
    },
  });
  // The run's member: a fallback reserved mid-run counts against their monthly cap like the first reservation.
  const ledger = new RunLedger(db, run.workspaceId, run.actorId).adopt(run.steps.map((x) => x.reservationId));
  const scriptRow = run.steps.find((x) => x.kind === 'script')!;
  const imageRow = run.steps.find((x) => x.kind === 'image') ?? null;
  try {
    const ws: Ws = { id: run.workspaceId, plan: run.workspace.plan as Ws['plan'] };
    const fallbackReason = run.fallbackNotice;
    const [{ plan, failure }, image] = await Promise.all([
      planOfStep(db, ws.id, scriptRow, fallbackReason, run.fallbackPolicy as FallbackPolicy, ws.plan),
      imageRow ? imagePrice(db, imageRow) : null,
    ]);
    const input = { prompt: run.prompt, imageCount: run.imageCount, aspectRatio: run.aspectRatio, tier: (run.tier ?? 'standard') as Tier };
    yield* runEvents(db, { id: run.actorId }, ws, {
      runId, input, plan, planFailure: failure, image, ledger,
      steps: { script: stepView(scriptRow), image: imageRow ? stepView(imageRow) : null },
      reservations: { script: scriptRow.reservationId ?? undefined, image: imageRow?.reservationId ?? undefined },
      fallbackNotice: run.fallbackNotice,
    }, signal);
  } finally {
    await ledger.releaseAll();
  }
}

async function imagePrice(db: Db, row: { provider: string; modelId: string }) {
  const m = await db.platformModel.findFirst({ where: { provider: row.provider, modelId: row.modelId, kind: 'image' }, select: { creditsPerImage: true } });
  return { provider: row.provider as 'openai' | 'google', modelId: row.modelId, perImage: m?.creditsPerImage ?? 0 };
}

function runEvents(
  db: Db,
  actor: Actor,
  ws: Ws,
  r: {
    runId: string; input: { prompt: string; imageCount: number; aspectRatio: string; tier: Tier }; plan: ScriptPlan; planFailure: Classified | null;
    image: { provider: 'openai' | 'google'; modelId: string; perImage: number } | null;
    steps: { script: StepView; image: StepView | null };
    reservations: { script?: string; image?: string }; ledger: RunLedger; fallbackNotice: string | null;
  },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent> {
  const { runId, input, plan, image, reservations, ledger } = r;
  const now = new Date();
  const firstStep: StepView = { ...r.steps.script, status: 'running', startedAt: now };
  const imageView = image ? r.steps.image : null;
  const [scriptStepId, imageStepId] = [firstStep.id, imageView?.id ?? null];
  // The step is marked running while the key is decrypted and the provider prepares its first token.
  const created = db.generationStep.update({ where: { id: scriptStepId }, data: { status: 'running', startedAt: now }, select: { id: true } }).then(() => true);
  created.catch(() => {}); // awaited in the run; this only keeps an early failure from being reported as unhandled
  let credential: Promise<Credential> | null = r.planFailure
    ? Promise.resolve({ apiKey: null, failure: r.planFailure })
    : credentialFor(db, actor, plan);

  return (async function* run(): AsyncGenerator<RunEvent> {
    let first: Attempt | null = null;
    let creditsUsed = 0;
    let outcome: { status: 'succeeded' | 'failed' | 'cancelled'; code: string | null; message: string | null } = { status: 'succeeded', code: null, message: null };
    let finished = false;
    let failed = false;
    try {
      first = openAttempt(plan, await credential!, input.prompt, signal);
      credential = null; // from here on the key lives only inside the provider request
      await created;
      yield {
        type: 'started',
        runId,
        steps: imageView ? [firstStep, imageView] : [firstStep],
        fallbackNotice: r.fallbackNotice,
      };
      const script = yield* scriptStep(
        db, actor, ws, ledger,
        { runId, stepId: scriptStepId, plan, prompt: input.prompt, reservationId: reservations.script, tier: input.tier, first: { ...first, step: firstStep } },
        signal,
      );
      creditsUsed += script.credits;
      if (script.failure) {
        outcome = script.failure;
        if (reservations.image && imageStepId) {
          await ledger.release(reservations.image);
          await db.generationStep.update({ where: { id: imageStepId }, data: { status: 'skipped' } });
        }
      } else if (image && imageStepId && reservations.image) {
        const img = yield* imageStep(db, ws, ledger, { runId, stepId: imageStepId, image, count: input.imageCount, aspectRatio: input.aspectRatio, prompt: input.prompt, reservationId: reservations.image }, signal);
        creditsUsed += img.credits;
        if (img.failure) outcome = img.failure;
      }
      finished = true;
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      first?.stream?.stop(); // also when the consumer left before the script step began
      try {
        {
          if (!finished) {
            // An error, a cancel, or a consumer that went away: the run ends here, its credits returned.
            const code = failed ? 'internal_error' : 'cancelled';
            outcome = { status: failed ? 'failed' : 'cancelled', code, message: runErrorMessage(code, null, false) };
            await db.generationStep.updateMany({ where: { runId, status: { in: ['pending', 'running'] } }, data: { status: outcome.status, finishedAt: new Date() } });
          }
          await db.generationRun.update({
            where: { id: runId },
            data: { status: outcome.status, errorCode: outcome.code, errorMessage: outcome.message, creditsUsed, finishedAt: new Date() },
          });
        }
      } finally {
        await ledger.releaseAll();
      }
    }
    yield { type: 'finished', runId, status: outcome.status, errorCode: outcome.code, message: outcome.message, creditsUsed };
  })();
}

type StepResult = { credits: number; failure: { status: 'failed' | 'cancelled'; code: string; message: string } | null };

type Credential = { apiKey: string; failure: null } | { apiKey: null; failure: Classified };

/** The key a script step calls its provider with: the workspace's (decrypted here) or the platform's. */
async function credentialFor(db: Db, actor: Actor, plan: ScriptPlan): Promise<Credential> {
  if (plan.source !== 'byok' || !plan.stored) return { apiKey: platformKey(plan.provider) ?? '', failure: null };
  try {
    return { apiKey: await decryptStoredKey(db, plan.stored, actor.id), failure: null };
  } catch (e) {
    // Our key service being down is not the key's fault: no fallback to credits, nothing flagged.
    return { apiKey: null, failure: { code: e instanceof MasterKeyUnavailable ? 'master_key_unavailable' : 'key_unreadable', retryAfterSeconds: null } };
  }
}

/** A provider stream, aborted when it stays silent for STREAM_IDLE_TIMEOUT_MS or when stopped. */
type OpenStream = { parts: Promise<ReadableStream<LanguageModelV3StreamPart>>; signal: AbortSignal; touch(): void; stop(): void };
type Attempt = { failure: Classified | null; stream: OpenStream | null };

/** Starts the provider request at once (the key is not kept beyond this call). */
function openAttempt(plan: ScriptPlan, credential: Credential, prompt: string, signal?: AbortSignal): Attempt {
  if (credential.failure) return { failure: credential.failure, stream: null };
  const idle = new AbortController();
  const idleMs = serverEnv().STREAM_IDLE_TIMEOUT_MS;
  let timer = setTimeout(() => idle.abort(), idleMs);
  const aborted = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
  // The provider model's own stream, not streamText's: a script step uses none of its layers (steps,
  // tools, retries, telemetry), and they cost a few stream stages on every chunk. No retry either way:
  // a retry could bill twice.
  const parts = Promise.resolve(
    textModelFor(plan.provider, credential.apiKey, plan.modelId).doStream({
      prompt: [{ role: 'system', content: SYSTEM }, { role: 'user', content: [{ type: 'text', text: prompt }] }],
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      abortSignal: aborted,
    }),
  ).then((r) => r.stream);
  parts.catch(() => {}); // read, and a failure classified, by the step
  return {
    failure: null,
    stream: {
      parts,
      signal: aborted,
      touch: () => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), idleMs);
      },
      stop: () => {
        clearTimeout(timer);
        idle.abort();
      },
    },
  };
}

/**
 * The next part, or a rejection as soon as the request is aborted: Node's fetch leaves a body read
 * pending forever when the abort comes after the whole response has arrived (nodejs/undici#4089), which
 * would hang a run cancelled just as its provider finished.
 */
function readUnlessAborted<T>(reader: ReadableStreamDefaultReader<T>, signal: AbortSignal): Promise<ReadableStreamReadResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      reader.cancel().catch(() => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    reader.read().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function* scriptStep(
  db: Db,
  actor: Actor,
  ws: Ws,
  ledger: RunLedger,
  s: {
    runId: string; stepId: string; plan: ScriptPlan; prompt: string; reservationId?: string; tier: Tier;
    /** The first attempt, opened while the run was written. */
    first: Attempt & { step: StepView };
  },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent, StepResult> {
  let { plan } = s;
  let reservationId = s.reservationId;
  let stepId = s.stepId;
  // The first key, then each of the provider's other keys in order, then the platform (keys/selection.ts).
  for (let attempt = 0; attempt < MAX_SCRIPT_ATTEMPTS; attempt++) {
    let opened: Attempt;
    let step: StepView;
    if (attempt === 0) {
      ({ step, ...opened } = s.first);
    } else {
      // A fallback step: its bookkeeping runs while the provider prepares its first token.
      const running = updateStep(db, stepId, { status: 'running', startedAt: new Date() });
      running.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
      opened = openAttempt(plan, await credentialFor(db, actor, plan), s.prompt, signal);
      try {
        step = await running;
      } catch (e) {
        opened.stream?.stop();
        throw e;
      }
    }
    let failure = opened.failure;
    let text = '';
    let usage: { inputTokens: number; outputTokens: number } | null = null;
    let cancelled = false;
    const stream = opened.stream;
    try {
      yield { type: 'step', step };
      if (stream) {
        let lastBeat = Date.now();
        try {
          // A refused request rejects here; an aborted one (cancel, idle timeout) rejects a read.
          const reader = (await stream.parts).getReader();
          for (;;) {
            const { done, value: part } = await readUnlessAborted(reader, stream.signal);
            if (done) break;
            stream.touch();
            if (part.type === 'text-delta' && part.delta) {
              text += part.delta;
              yield { type: 'delta', text: part.delta };
              if (Date.now() - lastBeat > 5_000) {
                lastBeat = Date.now();
                await db.generationRun.update({ where: { id: s.runId }, data: { heartbeatAt: new Date() } });
              }
            } else if (part.type === 'error') {
              failure = classifyRunError(plan.provider, part.error, text.length > 0);
              break;
            } else if (part.type === 'finish') {
              usage = { inputTokens: part.usage.inputTokens.total ?? 0, outputTokens: part.usage.outputTokens.total ?? 0 };
            }
          }
        } catch (e) {
          if (signal?.aborted) cancelled = true;
          else failure = classifyRunError(plan.provider, e, text.length > 0);
        }
        if (!failure && !cancelled && !usage) failure = { code: text ? 'stream_interrupted' : 'provider_unavailable', retryAfterSeconds: null };
      }
    } finally {
      stream?.stop(); // however the step ended, no provider request outlives it
    }
    const byok = plan.source === 'byok';
    if (cancelled) {
      if (reservationId) await ledger.release(reservationId);
      yield { type: 'step', step: await updateStep(db, stepId, { status: 'cancelled', text, errorCode: 'cancelled', finishedAt: new Date() }) };
      return { credits: 0, failure: { status: 'cancelled', code: 'cancelled', message: runErrorMessage('cancelled', null, false) } };
    }
    if (!failure && usage) {
      const credits = plan.price && reservationId ? await ledger.settle(reservationId, textCredits(plan.price, usage.inputTokens, usage.outputTokens)) : 0;
      const done = { status: 'succeeded', text, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, credits, finishedAt: new Date() };
      yield { type: 'step', step: await updateStep(db, stepId, done) };
      return { credits, failure: null };
    }

    // Failed: nothing is charged for it.
    const f = failure!;
    if (reservationId) await ledger.release(reservationId);
    yield { type: 'step', step: await updateStep(db, stepId, { status: 'failed', text: text || null, errorCode: f.code, finishedAt: new Date() }) };
    log.warn({ runId: s.runId, provider: plan.provider, source: plan.source, code: f.code }, 'script step failed');
    if (byok && plan.keyId && f.code === 'invalid_key') {
      await markKeyRejected(db, { workspaceId: ws.id, keyId: plan.keyId });
    }

    // A BYOK key that failed before producing anything: the provider's next key, else platform credits if the policy allows.
    const keyFailure = keyFailureOf(f.code);
    if (byok && keyFailure && !text && attempt + 1 < MAX_SCRIPT_ATTEMPTS) {
      let next: ScriptPlan;
      try {
        next = await nextOrFallback(db, ws, s.tier, plan, keyFailure, `your ${PROVIDERS[plan.provider].name} key could not serve (${f.code.replace(/_/g, ' ')})`);
        reservationId = next.price ? await ledger.reserve(textCredits(next.price, estimateInputTokens(s.prompt), MAX_OUTPUT_TOKENS), `run ${s.runId} script fallback`) : undefined;
      } catch (e) {
        const why = runErrorMessage(f.code, plan.provider, true, f.retryAfterSeconds);
        if (e instanceof AppError && e.reason === 'no_usable_key') {
          return { credits: 0, failure: { status: 'failed', code: f.code, message: `${why} ${POLICY_WORDS[plan.fallbackPolicy]}, so nothing was charged.` } };
        }
        return { credits: 0, failure: { status: 'failed', code: e instanceof AppError ? e.reason : f.code, message: e instanceof AppError ? e.message : why } };
      }
      stepId = newId();
      await db.generationStep.create({
        data: { id: stepId, runId: s.runId, kind: 'script', provider: next.provider, modelId: next.modelId, credentialSource: next.source, keyId: next.keyId, reservationId },
      });
      const previous = plan;
      plan = next;
      yield {
        type: 'notice',
        text: next.source === 'byok'
          ? `${runErrorMessage(f.code, previous.provider, true, f.retryAfterSeconds)} This run continues with your next ${PROVIDERS[next.provider].name} key (${next.stored?.label ?? ''}).`
          : `${runErrorMessage(f.code, previous.provider, true)} This run continues on platform credits with ${PROVIDERS[next.provider].name} ${next.modelId}.`,
      };
      continue;
    }
    return { credits: 0, failure: { status: 'failed', code: f.code, message: runErrorMessage(f.code, plan.provider, byok, f.retryAfterSeconds) } };
  }
  return { credits: 0, failure: { status: 'failed', code: 'provider_unavailable', message: runErrorMessage('provider_unavailable', plan.provider, false) } };
}

const OPENAI_SIZES: Record<string, `${number}x${number}`> = {
  '1:1': '1024x1024', '16:9': '1536x1024', '4:3': '1536x1024', '9:16': '1024x1536', '3:4': '1024x1536',
};

async function* imageStep(
  db: Db,
  ws: Ws,
  ledger: RunLedger,
  s: { runId: string; stepId: string; image: { provider: 'openai' | 'google'; modelId: string; perImage: number }; count: number; aspectRatio: string; prompt: string; reservationId: string },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent, StepResult> {
  yield { type: 'step', step: await updateStep(db, s.stepId, { status: 'running', startedAt: new Date() }) };
  let made = 0;
  let failure: StepResult['failure'] = null;
  try {
    const model = imageModelFor(s.image.provider, platformKey(s.image.provider) ?? '', s.image.modelId);
    // Gemini makes one image per call; OpenAI several.
    const calls = s.image.provider === 'google' ? Array.from({ length: s.count }, () => 1) : [s.count];
    for (const n of calls) {
      const r = await generateImage({
        model,
        prompt: s.prompt,
        n,
        ...(s.image.provider === 'openai' ? { size: OPENAI_SIZES[s.aspectRatio] } : { aspectRatio: s.aspectRatio as `${number}:${number}` }),
        maxRetries: 0,
        abortSignal: signal,
      });
      for (const img of r.images) {
        const id = newId();
        await db.generatedImage.create({ data: { id, runId: s.runId, workspaceId: ws.id, mimeType: img.mediaType || 'image/png', data: new Uint8Array(img.uint8Array) } });
        made++;
        yield { type: 'image', imageId: id };
      }
    }
  } catch (e) {
    failure = signal?.aborted
      ? { status: 'cancelled', code: 'cancelled', message: runErrorMessage('cancelled', null, false) }
      : { status: 'failed', code: 'image_failed', message: runErrorMessage('image_failed', null, false) };
    log.warn({ runId: s.runId, provider: s.image.provider, code: classifyRunError(s.image.provider, e, false).code }, 'image step failed');
  }
  const charged = await ledger.settle(s.reservationId, made * s.image.perImage);
  const done = { status: failure ? failure.status : 'succeeded', errorCode: failure?.code ?? null, credits: charged, finishedAt: new Date() };
  yield { type: 'step', step: await updateStep(db, s.stepId, done) };
  return { credits: charged, failure };
}

// ---- recovery and history ----

/** A queued run no worker has taken for this long will not be (its job was lost): it is failed. */
export const QUEUED_GIVE_UP_MS = 15 * 60_000;

/**
 * Runs whose worker died mid-run (no heartbeat for `staleMs`), and runs queued for longer than
 * QUEUED_GIVE_UP_MS, are marked failed, their held reservations released and their watchers told (a
 * `finished` event). Each run is claimed by one status change, so concurrent sweeps never double up.
 */
export async function recoverInterruptedRuns(db: Db, staleMs = 120_000): Promise<number> {
  const now = Date.now();
  const stale = await db.generationRun.findMany({
    where: {
      OR: [
        { status: 'running', heartbeatAt: { lt: new Date(now - staleMs) } },
        { status: 'queued', createdAt: { lt: new Date(now - QUEUED_GIVE_UP_MS) } },
      ],
    },
    select: { id: true, status: true, workspaceId: true, creditsUsed: true, steps: { select: { id: true, reservationId: true } } },
    take: 500,
  });
  let recovered = 0;
  for (const run of stale) {
    const message = runErrorMessage('interrupted', null, false);
    const claimed = await db.generationRun.updateMany({
      where: { id: run.id, status: run.status },
      data: { status: 'failed', errorCode: 'interrupted', errorMessage: message, finishedAt: new Date() },
    });
    if (claimed.count !== 1) continue;
    recovered++;
    for (const step of run.steps) {
      if (step.reservationId) await release(db, { workspaceId: run.workspaceId, reservationId: step.reservationId });
    }
    await db.generationStep.updateMany({ where: { runId: run.id, status: { in: ['pending', 'running'] } }, data: { status: 'failed', errorCode: 'interrupted' } });
    await appendRunEvent(db, run.id, { type: 'finished', runId: run.id, status: 'failed', errorCode: 'interrupted', message, creditsUsed: run.creditsUsed });
  }
  return recovered;
}

export type RunSummary = {
  id: string; prompt: string; status: string; createdAt: Date; finishedAt: Date | null; creditsUsed: number;
  errorCode: string | null; model: string | null; credentialSource: CredentialSource | null;
};

export async function listRuns({ db, workspace }: WorkspaceScope, opts: { cursor?: string | null; limit?: number }) {
  const workspaceId = workspace.id;
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 50);
  const rows = await db.generationRun.findMany({
    where: { workspaceId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
    select: {
      id: true, prompt: true, status: true, createdAt: true, finishedAt: true, creditsUsed: true, errorCode: true,
      steps: { where: { kind: 'script' }, orderBy: { startedAt: 'desc' }, take: 1, select: { modelId: true, credentialSource: true } },
    },
  });
  const items: RunSummary[] = rows.slice(0, limit).map(({ steps, prompt, ...r }) => ({
    ...r,
    prompt: prompt.slice(0, 200),
    model: steps[0]?.modelId ?? null,
    credentialSource: (steps[0]?.credentialSource as CredentialSource | undefined) ?? null,
  }));
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getRun({ db, workspace }: WorkspaceScope, { runId }: { runId: string }) {
  const run = await db.generationRun.findFirst({
    where: { id: runId, workspaceId: workspace.id },
    select: {
      id: true, prompt: true, status: true, tier: true, errorCode: true, errorMessage: true, imageCount: true, aspectRatio: true,
      creditsUsed: true, createdAt: true, finishedAt: true, cancelRequestedAt: true,
      steps: { select: { ...stepSelect, keyId: true, text: true }, orderBy: [{ kind: 'desc' }, { startedAt: 'asc' }] },
      images: { select: { id: true }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!run) throw new AppError('NOT_FOUND', 'Run not found', 'not_found');
  return {
    ...run,
    steps: run.steps.map(({ text, keyId, ...st }) => ({ ...stepView(st), keyId, text })),
    images: run.images.map((i) => i.id),
  };
}
