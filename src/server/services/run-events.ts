import 'server-only';
// A run's events, numbered and kept (run_event), so that whoever watches a run (the Studio, a reload, a
// second tab, the run page, a REST client on another instance) reads what it missed from the table and
// then follows the live tail. Each write announces itself on RUN_EVENTS_CHANNEL (NOTIFY, in the same
// statement), so the followers on every instance (services/run-feed.ts) wake up and read the new rows:
// the notification carries no event, only "run R has events up to N", and a missed one is caught up by
// the next read or the poll.
import { Prisma } from '~/generated/prisma/client';
import type { RunEvent } from '~/lib/schemas/runs';
import type { Db } from '~/server/db/connect';
import { execute, queryRows } from '~/server/db/sql';
import { log } from '~/server/log';

export const RUN_EVENTS_CHANNEL = 'byok_run_events';
/** Script text is written in batches: one row per this many ms of deltas, not one per token. */
const DELTA_BATCH_MS = 40;

export type StoredRunEvent = { seq: number; payload: string };

/**
 * Appends events with the given numbers in one statement and announces them. Committed without waiting
 * for the disk (db/sql.ts): the first script text reaches its watchers a disk flush sooner, and what a
 * PostgreSQL crash could lose of it is also in the run's steps, written durably.
 */
async function insertEvents(db: Db, runId: string, rows: StoredRunEvent[]): Promise<void> {
  if (!rows.length) return;
  const last = rows.at(-1)!.seq;
  await execute(db, Prisma.sql`
    WITH ins AS (
      INSERT INTO run_event ("runId", seq, payload)
      VALUES ${Prisma.join(rows.map((r) => Prisma.sql`(${runId}, ${r.seq}, ${r.payload})`))}
      ON CONFLICT DO NOTHING
    )
    SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${`${runId}:${last}`})`, { relaxed: true });
}

/**
 * Appends one event after whatever the run already has (for the writers that are not the run's worker:
 * a cancel of a queued run, the recovery of a dead worker's run). Returns its number.
 */
export async function appendRunEvent(db: Db, runId: string, event: RunEvent): Promise<void> {
  const payload = JSON.stringify(event);
  await db.$executeRaw`
    WITH ins AS (
      INSERT INTO run_event ("runId", seq, payload)
      SELECT ${runId}, COALESCE(MAX(seq), 0) + 1, ${payload} FROM run_event WHERE "runId" = ${runId}
      ON CONFLICT DO NOTHING
      RETURNING seq
    )
    SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${runId} || ':' || seq) FROM ins`;
}

/**
 * The run's worker's writer: events are numbered in order and written in the background (the run never
 * waits for its own bookkeeping); consecutive script deltas within DELTA_BATCH_MS become one event.
 * `flush()` waits until everything appended is written.
 */
export class RunEventWriter {
  private seq = 0;
  private text = '';
  /** The first script text goes out at once (time to first token); later deltas are batched. */
  private sentText = false;
  private timer: NodeJS.Timeout | null = null;
  private queue: StoredRunEvent[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly runId: string,
    /** Told of each batch once it is in the table (this instance's watchers take it from there). */
    private readonly written: (rows: StoredRunEvent[]) => void = () => {},
  ) {}

  append(event: RunEvent): void {
    if (event.type === 'delta') {
      this.text += event.text;
      if (!this.sentText) {
        this.sentText = true;
        return this.pushText(true);
      }
      this.timer ??= setTimeout(() => this.pushText(true), DELTA_BATCH_MS);
      return;
    }
    this.pushText(false);
    this.queue.push({ seq: ++this.seq, payload: JSON.stringify(event) });
    this.write();
  }

  private pushText(write: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.text) return;
    this.queue.push({ seq: ++this.seq, payload: JSON.stringify({ type: 'delta', text: this.text } satisfies RunEvent) });
    this.text = '';
    if (write) this.write();
  }

  /** Whether a write is waiting to start: events appended meanwhile join it. */
  private pending = false;

  /**
   * Writes what is queued once the current turn of the event loop is over, so that the events a run
   * yields together (`started` and its first step; a step's end and what follows) make one statement.
   */
  private write(): void {
    if (this.pending) return;
    this.pending = true;
    this.writing = this.writing.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(async () => {
      this.pending = false;
      const rows = this.queue;
      this.queue = [];
      if (!rows.length) return;
      try {
        await insertEvents(this.db, this.runId, rows);
        this.written(rows);
      } catch (err) {
        // Watchers miss these events but still see the run's final state (getRun); the run goes on.
        log.warn({ err, runId: this.runId }, 'run events could not be written');
      }
    });
  }

  async flush(): Promise<void> {
    this.pushText(true);
    await this.writing;
  }
}

export async function readRunEvents(db: Db, runId: string, afterSeq: number, limit = 500): Promise<StoredRunEvent[]> {
  return queryRows<StoredRunEvent>(db, Prisma.sql`SELECT seq, payload FROM run_event WHERE "runId" = ${runId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`);
}
