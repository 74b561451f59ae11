import 'server-only';
// Housekeeping while the server runs, besides the sweep at start-up: credit reservations whose holder went
// away (a crashed run, a run nobody read) return to their workspace once they expire, and rate-limit
// counters whose window ended are deleted. Every instance runs it; that is safe because each step is
// conditional and idempotent. (A job queue is to run it once across instances.)
import type { Db } from '~/server/db/connect';
import { log } from '~/server/log';
import { releaseExpiredReservations } from '~/server/services/credits';
import { purgeExpiredLimits } from '~/server/services/rate-limit';
import { checkSpendAlerts } from '~/server/services/spend-alerts';

export const MAINTENANCE_EVERY_MS = 60_000;

export function startMaintenance(getDb: () => Db, opts: { everyMs?: number } = {}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = async () => {
    const db = getDb();
    try {
      const released = await releaseExpiredReservations(db);
      if (released > 0) log.info({ released }, 'released expired credit reservations');
      await purgeExpiredLimits(db);
      await checkSpendAlerts(db);
    } catch (err) {
      log.warn({ err }, 'maintenance failed; it runs again at the next interval');
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = null;
    });
  }, opts.everyMs ?? MAINTENANCE_EVERY_MS);
  timer.unref(); // never what keeps the process alive
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
