import 'server-only';
// The run worker: takes queued runs from the job queue (pg-boss's SKIP LOCKED fetch, so each run goes
// to one worker whichever instance queued it), executes them with their events written to run_event,
// and aborts a run when a Cancel for it is announced (NOTIFY on RUN_CANCEL_CHANNEL, from any instance).
// A run is claimed (queued → running) before it executes, so a job delivered twice executes once; jobs
// are never retried (a retry could bill a provider twice): a worker that dies leaves its runs to the
// recovery job, which fails them and returns their credits once their heartbeat stops.
import type PgBoss from 'pg-boss';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { execute } from '~/server/db/sql';
import { listenerFor } from '~/server/db/notifications';
import { jobQueueFor } from '~/server/jobs/queue';
import { log } from '~/server/log';
import { runErrorMessage } from '~/server/services/generation/messages';
import { executeRun } from '~/server/services/generation/run';
import { RunEventWriter } from '~/server/services/run-events';
import { writingRunEvents } from '~/server/services/run-feed';

export const RUN_QUEUE = 'run';
/** Payload: a run id, announced when a run is queued (workers fetch at once instead of at their next poll). */
export const RUN_QUEUED_CHANNEL = 'byok_run_queued';
/** Payload: a run id whose Cancel was asked for. */
export const RUN_CANCEL_CHANNEL = 'byok_run_cancel';
/** A running run's heartbeat; the recovery job fails runs whose heartbeat is older than RUN_STALE_MS. */
export const HEARTBEAT_MS = 10_000;
const POLL_MS = 2_000;

type RunJob = { runId: string };

const RUN_QUEUE_OPTIONS = {
  retryLimit: 0,
  // A job whose worker died is failed by pg-boss after this; the run itself is recovered earlier, by its heartbeat.
  expireInSeconds: 15 * 60,
};

// This process's workers, woken directly when it queues a run (other instances' hear the NOTIFY).
const localWorkers = new WeakMap<Db, Set<(runId: string) => void>>();

/** Queues a created run for a worker, and wakes the workers. */
export async function enqueueRun(db: Db, runId: string): Promise<void> {
  const q = await jobQueueFor(db);
  await q.ensureQueue(RUN_QUEUE, RUN_QUEUE_OPTIONS);
  await q.boss.send(RUN_QUEUE, { runId } satisfies RunJob, RUN_QUEUE_OPTIONS);
  const local = localWorkers.get(db);
  for (const wake of local ?? []) wake(runId);
  const announce = execute(db, Prisma.sql`SELECT pg_notify(${RUN_QUEUED_CHANNEL}, ${runId})`);
  if (!local?.size) await announce;
  else void announce.catch(() => {});
}

/** Announces a Cancel to whichever worker runs the run. */
export async function announceCancel(db: Db, runId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${RUN_CANCEL_CHANNEL}, ${runId})`;
}

export type RunWorker = {
  /** Runs executing here now. */
  readonly active: number;
  /** Stops taking runs; runs in progress get `graceMs` to finish, then are cancelled (credits returned). */
  stop(graceMs?: number): Promise<void>;
};

export async function startRunWorker(db: Db, opts: { concurrency: number }): Promise<RunWorker> {
  const q = await jobQueueFor(db);
  await q.ensureQueue(RUN_QUEUE, RUN_QUEUE_OPTIONS);
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopping = false;
  let pumping: Promise<void> | null = null;
  let again = false;
  // Whether jobs may be waiting that no fetch has seen: a wake-up came while every slot was busy, or the
  // last fetch filled every free slot. A run that ends then fetches; otherwise the next wake-up or poll will.
  let backlog = true;
  // Each fetch is a locking query on the queue's table, so one is made per reason to expect a job, not
  // one per wake-up: the NOTIFY this process sends when it queues a run comes back to it, after the direct wake.
  const announcedHere = new Set<string>();

  const pump = () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        if (running.size >= opts.concurrency) {
          backlog = true;
          break;
        }
        if (stopping) break;
        const batchSize = opts.concurrency - running.size;
        let jobs: PgBoss.Job<RunJob>[];
        try {
          jobs = (await q.boss.fetch<RunJob>(RUN_QUEUE, { batchSize })) ?? [];
        } catch (err) {
          log.warn({ err }, 'could not fetch runs');
          break;
        }
        backlog = jobs.length === batchSize;
        for (const job of jobs) start(job);
        if (backlog) again = true;
      } while (again && !stopping);
    })().finally(() => {
      pumping = null;
    });
  };

  const start = (job: PgBoss.Job<RunJob>) => {
    const runId = job.data.runId;
    const controller = new AbortController();
    const done = executeWithEvents(db, runId, controller.signal)
      .then(
        () => q.boss.complete(RUN_QUEUE, job.id),
        (err: unknown) => {
          log.error({ err, runId }, 'run failed in its worker');
          return q.boss.fail(RUN_QUEUE, job.id, { message: 'run failed' });
        },
      )
      .catch((err: unknown) => log.warn({ err, runId }, 'could not record the job’s end'))
      .finally(() => {
        running.delete(runId);
        if (backlog) pump();
      });
    running.set(runId, { controller, done });
  };

  const wakeForLocalRun = (runId: string) => {
    if (announcedHere.size > 10_000) announcedHere.clear(); // notifications lost without a reset: forget them
    announcedHere.add(runId);
    pump();
  };
  const locals = localWorkers.get(db) ?? new Set();
  localWorkers.set(db, locals.add(wakeForLocalRun));
  const listener = listenerFor(db);
  const unsubscribeQueued = listener.subscribe(RUN_QUEUED_CHANNEL, {
    onMessage: (runId) => {
      if (!announcedHere.delete(runId)) pump();
    },
    onReset: () => {
      announcedHere.clear();
      pump();
    },
  });
  const unsubscribeCancel = listener.subscribe(RUN_CANCEL_CHANNEL, {
    onMessage: (runId) => running.get(runId)?.controller.abort(new Error('cancelled')),
    onReset: () => void checkCancels(),
  });

  // The heartbeat of the runs executing here, which also catches a Cancel whose announcement was missed.
  const checkCancels = async () => {
    if (!running.size) return;
    const ids = [...running.keys()];
    try {
      const rows = await db.$queryRaw<{ id: string; cancelled: boolean }[]>`
        UPDATE generation_run SET "heartbeatAt" = now() WHERE id = ANY(${ids}) AND status = 'running'
        RETURNING id, "cancelRequestedAt" IS NOT NULL AS cancelled`;
      for (const r of rows) if (r.cancelled) running.get(r.id)?.controller.abort(new Error('cancelled'));
    } catch (err) {
      log.warn({ err }, 'run heartbeat failed');
    }
  };
  const heartbeat = setInterval(() => void checkCancels(), HEARTBEAT_MS);
  heartbeat.unref();
  const poll = setInterval(pump, POLL_MS);
  poll.unref();
  pump();

  return {
    get active() {
      return running.size;
    },
    async stop(graceMs = 5_000) {
      stopping = true;
      locals.delete(wakeForLocalRun);
      clearInterval(poll);
      clearInterval(heartbeat);
      unsubscribeQueued();
      unsubscribeCancel();
      await pumping;
      const all = Promise.all([...running.values()].map((r) => r.done));
      const timer = setTimeout(() => {
        for (const r of running.values()) r.controller.abort(new Error('worker stopping'));
      }, graceMs);
      await all;
      clearTimeout(timer);
    },
  };
}

/** Executes one run, its events written as they come. A run that fails unexpectedly still gets its end. */
async function executeWithEvents(db: Db, runId: string, signal: AbortSignal): Promise<void> {
  const watchersHere = writingRunEvents(db, runId);
  const writer = new RunEventWriter(db, runId, watchersHere.offer);
  try {
    for await (const event of executeRun(db, runId, signal)) writer.append(event);
  } catch (err) {
    log.error({ err, runId }, 'run ended with an error');
    writer.append({ type: 'finished', runId, status: 'failed', errorCode: 'internal_error', message: runErrorMessage('internal_error', null, false), creditsUsed: 0 });
  } finally {
    await writer.flush();
    watchersHere.done();
  }
}
