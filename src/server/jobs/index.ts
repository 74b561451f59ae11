import 'server-only';
// What a worker process runs (APP_ROLE=worker or all): the runs, and the scheduled jobs on pg-boss's
// cron schedules, which pg-boss sends once per tick across all instances (whichever worker takes a tick's
// job does it; each job is also idempotent, so a repeat changes nothing).
import type { Db } from '~/server/db/connect';
import { jobQueueFor } from '~/server/jobs/queue';
import { type RunWorker, startRunWorker } from '~/server/jobs/runs';
import { log } from '~/server/log';
import { releaseExpiredReservations } from '~/server/services/credits';
import { recoverInterruptedRuns } from '~/server/services/generation';
import { purgeExpiredLimits } from '~/server/services/rate-limit';

/** A running run whose heartbeat (every 10 s) is older than this lost its worker. */
export const RUN_STALE_MS = 60_000;

export const SCHEDULED = {
  /** Every minute: expired reservations back to their workspaces, dead workers' runs failed, old rate-limit windows deleted. */
  maintenance: '* * * * *',
} as const;

export async function maintenance(db: Db): Promise<void> {
  const recovered = await recoverInterruptedRuns(db, RUN_STALE_MS);
  if (recovered) log.info({ recovered }, 'failed runs whose worker stopped, and returned their credits');
  const released = await releaseExpiredReservations(db);
  if (released) log.info({ released }, 'released expired credit reservations');
  await purgeExpiredLimits(db);
}

export type Jobs = { runs: RunWorker; stop(): Promise<void> };

export async function startJobs(db: Db, opts: { concurrency: number }): Promise<Jobs> {
  const q = await jobQueueFor(db);
  const runs = await startRunWorker(db, opts);
  await q.ensureQueue('maintenance', { retryLimit: 0, expireInSeconds: 120 });
  await q.boss.schedule('maintenance', SCHEDULED.maintenance, undefined, { singletonKey: 'maintenance' });
  await q.boss.work('maintenance', { pollingIntervalSeconds: 10 }, async () => {
    await maintenance(db);
  });
  return {
    runs,
    async stop() {
      await q.boss.offWork('maintenance').catch(() => {});
      await runs.stop();
      await q.stop();
    },
  };
}
