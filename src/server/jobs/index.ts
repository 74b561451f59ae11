import 'server-only';
// What a worker process runs (APP_ROLE=worker or all): the runs, and the scheduled jobs on pg-boss's
// cron schedules, which pg-boss sends once per tick across all instances (whichever worker takes a tick's
// job does it; each job is also idempotent, so a repeat changes nothing).
import type { Db } from '~/server/db/connect';
import { jobQueueFor } from '~/server/jobs/queue';
import { type RunWorker, startRunWorker } from '~/server/jobs/runs';
import { checkKeyHealth, notifyExpiringKeys, renewMonthlyCredits } from '~/server/jobs/scheduled';
import { log } from '~/server/log';
import { releaseExpiredReservations } from '~/server/services/credits';
import { recoverInterruptedRuns } from '~/server/services/generation/recovery';
import { purgeExpiredLimits } from '~/server/services/rate-limit';
import { checkSpendAlerts } from '~/server/services/spend-alerts';

/** A running run whose heartbeat (every 10 s) is older than this lost its worker. */
export const RUN_STALE_MS = 60_000;
/** How long a finished run's events stay replayable (a client resuming its stream later gets the run with GET). */
export const EVENTS_KEPT_MS = 24 * 3600_000;

export const SCHEDULED = {
  /** Every minute: expired reservations back to their workspaces, dead workers' runs failed, keys' spend alerts checked, old rate-limit windows and run events deleted. */
  maintenance: '* * * * *',
  /** Daily (the first run of a month renews; the others find it done): every workspace's monthly credits. */
  'renew-credits': '10 0 * * *',
  /** Daily: each BYOK key's models listed again, failing keys marked, keys expiring within a week announced; owners notified. */
  'key-health': '30 3 * * *',
} as const;

const HANDLERS: Record<keyof typeof SCHEDULED, (db: Db) => Promise<unknown>> = {
  maintenance,
  'renew-credits': async (db) => {
    // Logged also when it grants nothing (the month already renewed): which instance did what shows.
    log.info({ granted: await renewMonthlyCredits(db) }, 'monthly credits renewal done');
  },
  'key-health': async (db) => {
    const r = await checkKeyHealth(db);
    const expiring = await notifyExpiringKeys(db);
    log.info({ ...r, expiring }, 'key health check done');
  },
};

export async function maintenance(db: Db): Promise<void> {
  const recovered = await recoverInterruptedRuns(db, RUN_STALE_MS);
  if (recovered) log.info({ recovered }, 'failed runs whose worker stopped, and returned their credits');
  const released = await releaseExpiredReservations(db);
  if (released) log.info({ released }, 'released expired credit reservations');
  await purgeExpiredLimits(db);
  const alerted = await checkSpendAlerts(db);
  if (alerted) log.info({ alerted }, 'key spend alerts sent');
  // A finished run's page reads the run itself; its events only serve streams that were open when it ended.
  await db.$executeRaw`DELETE FROM run_event e USING generation_run r
    WHERE e."runId" = r.id AND r.status IN ('succeeded', 'failed', 'cancelled') AND r."finishedAt" < ${new Date(Date.now() - EVENTS_KEPT_MS)}`;
}

export type Jobs = { runs: RunWorker; stop(): Promise<void> };

export async function startJobs(db: Db, opts: { concurrency: number }): Promise<Jobs> {
  const q = await jobQueueFor(db);
  const runs = await startRunWorker(db, opts);
  for (const [name, cron] of Object.entries(SCHEDULED) as [keyof typeof SCHEDULED, string][]) {
    await q.ensureQueue(name, { retryLimit: 1, retryDelay: 60, expireInSeconds: 30 * 60 });
    await q.boss.schedule(name, cron, undefined, { tz: 'UTC' });
    await q.boss.work(name, { pollingIntervalSeconds: 10 }, async () => {
      await HANDLERS[name](db);
    });
  }
  return {
    runs,
    async stop() {
      for (const name of Object.keys(SCHEDULED)) await q.boss.offWork(name).catch(() => {});
      await runs.stop();
      await q.stop();
    },
  };
}
