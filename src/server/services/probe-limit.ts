// Probes are a free oracle for stolen keys, so each workspace gets at most PROBES_PER_MINUTE of them.
// Counted in the database so the limit holds across app instances.
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';

export const PROBES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

export async function takeProbeSlot(db: Db, workspaceId: string, userId: string, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - WINDOW_MS);
  const id = newId();
  await db.probeAttempt.create({ data: { id, workspaceId, userId, createdAt: now } });
  const used = await db.probeAttempt.count({ where: { workspaceId, createdAt: { gt: since } } });
  if (used > PROBES_PER_MINUTE) {
    // A refused attempt does not count against the next window.
    await db.probeAttempt.delete({ where: { id } });
    throw new AppError(
      'TOO_MANY_REQUESTS',
      `Too many key checks in this workspace: at most ${PROBES_PER_MINUTE} a minute. Wait a minute and try again.`,
      'probe_rate_limited',
    );
  }
  // Old attempts are only needed for the window; keep the table small (off the request's path).
  db.probeAttempt
    .deleteMany({ where: { workspaceId, createdAt: { lt: new Date(now.getTime() - 10 * WINDOW_MS) } } })
    .catch((e: unknown) => log.warn({ err: e }, 'probe attempt cleanup failed'));
}
