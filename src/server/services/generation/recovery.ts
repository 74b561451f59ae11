import 'server-only';
// Runs whose worker died or whose job was lost: failed, their credits returned, their watchers told.
import type { Db } from '~/server/db/connect';
import { release } from '~/server/services/credits';
import { appendRunEvent } from '~/server/services/run-events';
import { runErrorMessage } from './messages';

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
