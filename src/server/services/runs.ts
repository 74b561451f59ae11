import 'server-only';
// Runs as jobs (issue 18): start queues a run for a worker and answers at once; cancel stops it wherever
// it is (a queued run is finished here, a running one is aborted by its worker, told through NOTIFY).
import type { GenerateInput } from '~/lib/schemas/generation';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { queryRows } from '~/server/db/sql';
import { AppError } from '~/server/errors';
import { announceCancel, enqueueRun } from '~/server/jobs/runs';
import { log } from '~/server/log';
import { requireRunCanceller } from '~/server/policy';
import type { WorkspaceCtx, WorkspaceScope } from '~/server/services/context';
import { release } from '~/server/services/credits';
import { listRuns } from '~/server/services/generation/history';
import { runErrorMessage } from '~/server/services/generation/messages';
import { createRun } from '~/server/services/generation/run';
import { appendRunEvent } from '~/server/services/run-events';

/** Creates the run (and its reservations) and queues it; returns its id before any provider call. */
export async function startRun(ctx: Pick<WorkspaceCtx, 'db' | 'actor' | 'workspace'>, input: GenerateInput): Promise<{ runId: string }> {
  const { runId } = await createRun(ctx, input);
  try {
    await enqueueRun(ctx.db, runId);
  } catch (err) {
    // Not queued: nothing will execute it, so it ends now and its credits come back.
    log.error({ err, runId }, 'run could not be queued');
    await finishQueued(ctx.db, runId, 'failed', 'internal_error');
    throw new AppError('SERVICE_UNAVAILABLE', 'The run could not be queued. Nothing was charged; try again in a moment.', 'queue_unavailable');
  }
  return { runId };
}

/**
 * A page of the workspace's runs, newest first. A cursor is one of this workspace's runs (the last of
 * the previous page): any other id, another workspace's run included, is refused rather than paged
 * from, since the page would start at that run's place in time and say where it is.
 */
export async function listRunsPage({ db, workspace }: WorkspaceScope, input: { cursor?: string | null; limit?: number }) {
  if (input.cursor && !(await isWorkspaceRun({ db, workspace }, input.cursor))) throw invalidCursor();
  return listRuns({ db, workspace }, input);
}

/** Whether the run is one of this workspace's (read before every event stream: db/sql.ts). */
export async function isWorkspaceRun({ db, workspace }: WorkspaceScope, runId: string): Promise<boolean> {
  const rows = await queryRows(db, Prisma.sql`SELECT 1 FROM generation_run WHERE id = ${runId} AND "workspaceId" = ${workspace.id}`);
  return rows.length > 0;
}

export const invalidCursor = () => new AppError('BAD_REQUEST', 'The cursor is not a run of this workspace: start again from the first page.', 'invalid_cursor');

export type CancelResult = { runId: string; status: string; cancelRequested: boolean };

/**
 * Asks for a run's cancel (its starter or the owner). Idempotent: a finished run is left as it is.
 */
export async function cancelRun({ db, actor, workspace }: Pick<WorkspaceCtx, 'db' | 'actor' | 'workspace'>, { runId }: { runId: string }): Promise<CancelResult> {
  const run = await db.generationRun.findFirst({ where: { id: runId, workspaceId: workspace.id }, select: { status: true, actorId: true } });
  if (!run) throw new AppError('NOT_FOUND', 'Run not found', 'not_found');
  requireRunCanceller(workspace, run.actorId, actor.id);
  if (run.status === 'queued' && (await finishQueued(db, runId, 'cancelled', 'cancelled'))) {
    return { runId, status: 'cancelled', cancelRequested: true };
  }
  const asked = await db.generationRun.updateMany({ where: { id: runId, status: 'running', cancelRequestedAt: null }, data: { cancelRequestedAt: new Date() } });
  if (asked.count) await announceCancel(db, runId);
  const now = await db.generationRun.findUniqueOrThrow({ where: { id: runId }, select: { status: true, cancelRequestedAt: true } });
  return { runId, status: now.status, cancelRequested: now.cancelRequestedAt !== null };
}

/** Ends a run that no worker has taken (it never will: the claim needs it queued). */
async function finishQueued(db: Db, runId: string, status: 'cancelled' | 'failed', code: string): Promise<boolean> {
  const message = runErrorMessage(code, null, false);
  const at = new Date();
  const claimed = await db.generationRun.updateMany({
    where: { id: runId, status: 'queued' },
    data: { status, errorCode: code, errorMessage: message, finishedAt: at, ...(status === 'cancelled' ? { cancelRequestedAt: at } : {}) },
  });
  if (claimed.count !== 1) return false;
  const run = await db.generationRun.findUniqueOrThrow({ where: { id: runId }, select: { workspaceId: true, steps: { select: { reservationId: true } } } });
  for (const s of run.steps) if (s.reservationId) await release(db, { workspaceId: run.workspaceId, reservationId: s.reservationId });
  await db.generationStep.updateMany({ where: { runId }, data: { status: status === 'cancelled' ? 'cancelled' : 'skipped', errorCode: code } });
  await appendRunEvent(db, runId, { type: 'finished', runId, status, errorCode: code, message, creditsUsed: 0 });
  return true;
}
