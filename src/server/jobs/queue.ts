import 'server-only';
// The job queue: pg-boss, on the app's own database. On PostgreSQL it has its own small pool (its
// SKIP LOCKED fetches let any number of instances share the work); on the embedded database it runs the
// same jobs, schedules and retries in this process over the PGlite instance the app already has, through
// pg-boss's `db` option, so `npm run dev` needs nothing more. Why pg-boss and not BullMQ: the production
// database is already PostgreSQL, so jobs commit with the rows they are about, and nothing new (Redis)
// has to be run, backed up or secured. Version 10: the last one whose engines accept Node 20.
import PgBoss from 'pg-boss';
import { closeWith, connectionOf, type Db } from '~/server/db/connect';
import { log } from '~/server/log';

export type JobQueue = {
  readonly boss: PgBoss;
  /** Creates the queue if needed (idempotent). */
  ensureQueue(name: string, options?: Omit<PgBoss.Queue, 'name'>): Promise<void>;
  stop(): Promise<void>;
};

/** pg-boss's `db` over PGlite: one statement with parameters, or a script (its migrations) without. */
function pgliteExecutor(pglite: import('@electric-sql/pglite').PGlite) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length) return await pglite.query(text, values);
      const results = await pglite.exec(text);
      return results.at(-1) ?? { rows: [] };
    },
  };
}

const queues = new WeakMap<Db, Promise<JobQueue>>();

/** The started queue of this database client (one per process and client). */
export function jobQueueFor(db: Db): Promise<JobQueue> {
  let q = queues.get(db);
  if (!q) {
    q = openQueue(db);
    queues.set(db, q);
    q.catch(() => queues.delete(db));
  }
  return q;
}

async function openQueue(db: Db): Promise<JobQueue> {
  const connection = connectionOf(db);
  if (!connection) throw new Error('The job queue needs a database client opened by openDatabase.');
  const common = {
    // Expired jobs, archiving and schedules are pg-boss's own housekeeping; once per instance is fine.
    supervise: true,
    schedule: true,
    migrate: true,
    // Finished jobs are history we do not need: the runs and the ledger keep it.
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: 2,
  };
  const boss =
    connection.kind === 'postgres'
      ? new PgBoss({ ...common, connectionString: connection.url, max: 4, application_name: 'byok-studio-jobs' })
      : new PgBoss({ ...common, db: pgliteExecutor(connection.pglite) });
  boss.on('error', (err) => log.warn({ err }, 'job queue error'));
  await boss.start();
  // Its connections end before the database client's (a test's database can then be dropped).
  const unregister = closeWith(db, () => boss.stop({ graceful: false, wait: true, timeout: 1_000 }));
  const known = new Set<string>();
  return {
    boss,
    async ensureQueue(name, options) {
      if (known.has(name)) return;
      if (!(await boss.getQueue(name))) {
        try {
          await boss.createQueue(name, { name, ...options });
        } catch (err) {
          // Another instance created it meanwhile.
          if (!(await boss.getQueue(name))) throw err;
        }
      }
      known.add(name);
    },
    async stop() {
      queues.delete(db);
      unregister();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
