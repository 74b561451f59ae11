import 'server-only';
// A Content Studio run (PRODUCT.md G1–G5): created and its managed steps reserved in the request, then
// executed by a worker (src/server/jobs/runs.ts): the script step, then the image step, each settled from
// actual usage, every reservation left over released however the run ends.
import type { GenerateInput, RunEvent, StepView } from '~/lib/schemas/generation';
import { ZGenerateInput } from '~/lib/schemas/generation';
import type { Tier } from '~/lib/schemas/models';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { execute, queryRows } from '~/server/db/sql';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { getBalance } from '~/server/services/credits';
import { keyUsedSql } from '~/server/services/keys/writer';
import { textCredits } from '~/server/services/pricing';
import { type Classified, runErrorMessage } from './messages';
import { type Actor, estimateInputTokens, imageModel, imagePrice, MAX_OUTPUT_TOKENS, planOfStep, planScript, type RunCtx, type ScriptPlan, type Ws } from './plan';
import { imageStep } from './image-step';
import { RunLedger } from './run-ledger';
import { type Attempt, type Credential, credentialFor, openAttempt, scriptStep } from './script-step';
import { type StepRow, stepView } from './steps';

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
  await execute(db, Prisma.sql`
    WITH run AS (
      INSERT INTO generation_run (id, "workspaceId", "actorId", prompt, tier, "imageCount", "aspectRatio", status, "createdAt", "heartbeatAt", "fallbackNotice", "fallbackPolicy")
      VALUES (${run.id}, ${run.workspaceId}, ${run.actorId}, ${run.prompt}, ${run.tier}, ${run.imageCount}, ${run.aspectRatio}, 'queued', ${run.createdAt}, ${run.createdAt}, ${run.fallbackNotice}, ${run.fallbackPolicy})
    ), steps AS (
      INSERT INTO generation_step (id, "runId", kind, provider, "modelId", "credentialSource", "keyId", "reservationId", status)
      VALUES ${Prisma.join(steps.map((x) => Prisma.sql`(${x.id}, ${run.id}, ${x.kind}, ${x.provider}, ${x.modelId}, ${x.credentialSource}, ${x.keyId}, ${x.reservationId}, 'pending')`))}
    )
    ${keyId
      ? keyUsedSql({ workspaceId: run.workspaceId, keyId }, run.createdAt)
      : Prisma.sql`SELECT 1`}`);
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
  // Planned while the active runs are counted (reads only); a workspace at its limit hears that first.
  const planning = planScript(db, ws, input.choice, input.tier);
  planning.catch(() => {}); // awaited below, unless the limit refuses the run first
  const [counted] = await queryRows<{ active: number }>(db, Prisma.sql`
    SELECT count(*)::int AS active FROM generation_run WHERE "workspaceId" = ${ws.id} AND status IN ('queued', 'running')`);
  const active = counted?.active ?? 0;
  if (active >= limit) {
    throw new AppError(
      'TOO_MANY_REQUESTS',
      `This workspace already has ${active} runs in progress. Wait for one to finish, or cancel one, and try again.`,
      'too_many_runs',
      { active, limit },
    );
  }
  const plan = await planning;
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

/** A claimed run's row joined with one of its steps. */
type ClaimedStep = StepRow & {
  workspaceId: string; actorId: string; prompt: string; tier: string | null; imageCount: number; aspectRatio: string; fallbackNotice: string | null;
  fallbackPolicy: string | null; plan: string;
  keyId: string | null; reservationId: string | null;
};

/**
 * Executes a queued run and streams its events. Only the caller that moves the run from queued to
 * running executes it: a job delivered twice, or a run cancelled while queued, yields nothing.
 */
export async function* executeRun(db: Db, runId: string, signal?: AbortSignal): AsyncGenerator<RunEvent> {
  const startedAt = new Date();
  // Claimed, its script step marked running and the run read, in one round trip (the run's hot path).
  const rows = await queryRows<ClaimedStep>(db, Prisma.sql`
    WITH claimed AS (
      UPDATE generation_run SET status = 'running', "heartbeatAt" = ${startedAt}
      WHERE id = ${runId} AND status = 'queued' AND "cancelRequestedAt" IS NULL
      RETURNING id, "workspaceId", "actorId", prompt, tier, "imageCount", "aspectRatio", "fallbackNotice", "fallbackPolicy"
    ), started AS (
      UPDATE generation_step SET status = 'running', "startedAt" = ${startedAt}
      WHERE "runId" IN (SELECT id FROM claimed) AND kind = 'script' AND status = 'pending'
    )
    SELECT c."workspaceId", c."actorId", c.prompt, c.tier, c."imageCount", c."aspectRatio", c."fallbackNotice", c."fallbackPolicy", w.plan,
      s.id, s.kind, s.provider, s."modelId", s."credentialSource", s.status, s."errorCode", s."inputTokens", s."outputTokens", s.credits,
      s."startedAt", s."finishedAt", s."keyId", s."reservationId"
    FROM claimed c JOIN workspace w ON w.id = c."workspaceId" JOIN generation_step s ON s."runId" = c.id`);
  if (!rows.length) return;
  const run = rows[0]!;
  // The run's member: a fallback reserved mid-run counts against their monthly cap like the first reservation.
  const ledger = new RunLedger(db, run.workspaceId, run.actorId).adopt(rows.map((x) => x.reservationId));
  const scriptRow = rows.find((x) => x.kind === 'script')!;
  const imageRow = rows.find((x) => x.kind === 'image') ?? null;
  try {
    const ws: Ws = { id: run.workspaceId, plan: run.plan as Ws['plan'] };
    const fallbackReason = run.fallbackNotice;
    const [{ plan, failure }, image] = await Promise.all([
      planOfStep(db, ws.id, scriptRow, fallbackReason, run.fallbackPolicy as FallbackPolicy, ws.plan),
      imageRow ? imagePrice(db, imageRow) : null,
    ]);
    const input = { prompt: run.prompt, imageCount: run.imageCount, aspectRatio: run.aspectRatio, tier: (run.tier ?? 'standard') as Tier };
    yield* runEvents(db, { id: run.actorId }, ws, {
      runId, input, plan, planFailure: failure, image, ledger, startedAt,
      steps: { script: stepView(scriptRow), image: imageRow ? stepView(imageRow) : null },
      reservations: { script: scriptRow.reservationId ?? undefined, image: imageRow?.reservationId ?? undefined },
      fallbackNotice: run.fallbackNotice,
    }, signal);
  } finally {
    await ledger.releaseAll();
  }
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
    /** When the script step was marked running (as the run was claimed). */
    startedAt: Date;
  },
  signal?: AbortSignal,
): AsyncGenerator<RunEvent> {
  const { runId, input, plan, image, reservations, ledger } = r;
  const firstStep: StepView = { ...r.steps.script, status: 'running', startedAt: r.startedAt };
  const imageView = image ? r.steps.image : null;
  const [scriptStepId, imageStepId] = [firstStep.id, imageView?.id ?? null];
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
          await execute(db, Prisma.sql`
            UPDATE generation_run SET status = ${outcome.status}, "errorCode" = ${outcome.code}, "errorMessage" = ${outcome.message},
              "creditsUsed" = ${creditsUsed}, "finishedAt" = ${new Date()}
            WHERE id = ${runId}`);
        }
      } finally {
        await ledger.releaseAll();
      }
    }
    yield { type: 'finished', runId, status: outcome.status, errorCode: outcome.code, message: outcome.message, creditsUsed };
  })();
}
