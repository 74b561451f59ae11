import 'server-only';
// One reader per run per instance: however many clients watch a run here (the Studio in several tabs, a
// run page, REST clients), a single feed reads the run's new events from the table, woken by NOTIFY (or
// its poll), and keeps them in memory; every watcher takes what follows its own last event from there.
// Ten watchers then cost the database what one does, and a crowd on one run cannot multiply its reads.
// The feed reads from the run's first event, so a watcher resuming from any Last-Event-ID finds the rest
// in memory; one further behind than the feed keeps (a very long run) reads the table itself to catch up.
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { queryRows } from '~/server/db/sql';
import { listenerFor } from '~/server/db/notifications';
import { readRunEvents, RUN_EVENTS_CHANNEL, type StoredRunEvent } from '~/server/services/run-events';

/** A feed reads the table at least this often, even when it hears nothing (a lost notification). */
const FOLLOW_POLL_MS = 5_000;
const PAGE = 500;
/** Events a feed keeps in memory; beyond this it drops its oldest half. */
const FEED_KEEPS = 2_000;

const isFinished = (e: StoredRunEvent) => e.payload.startsWith('{"type":"finished"');

const stats = { reads: 0, feeds: 0 };

/** Event reads by this process (feeds and catch-ups) and the feeds open now: what a crowd costs. */
export function runFeedStats(): { reads: number; feeds: number } {
  return { ...stats };
}

async function read(db: Db, runId: string, after: number): Promise<StoredRunEvent[]> {
  stats.reads++;
  return readRunEvents(db, runId, after, PAGE);
}

/**
 * Whether no event can come any more: the run is gone, or it ended a while ago. (Its final state is
 * written a moment before its `finished` event, so a run that just ended may still have one on the way.)
 */
async function isOver(db: Db, runId: string): Promise<boolean> {
  const [run] = await queryRows<{ status: string; finishedAt: Date | null }>(db, Prisma.sql`SELECT status, "finishedAt" FROM generation_run WHERE id = ${runId}`);
  if (!run) return true;
  return run.status !== 'queued' && run.status !== 'running' && (run.finishedAt?.getTime() ?? 0) < Date.now() - 10_000;
}

class RunFeed {
  /** Every event with floor < seq <= tail, in order. */
  private events: StoredRunEvent[] = [];
  floor = 0;
  tail = 0;
  ended = false;
  error: unknown = null;
  private watchers = 0;
  private dirty = true;
  private wakeLoop: (() => void) | null = null;
  private waiting = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly onDone: (feed: RunFeed) => void,
  ) {}

  join(): void {
    if (this.watchers++ === 0 && !this.running) void this.loop();
  }

  leave(): void {
    // The last watcher gone: the loop stops at its next turn (woken now rather than at its poll).
    if (--this.watchers === 0) this.wakeLoop?.();
  }

  /** A notification: the run has events up to `upTo` (unknown: read anyway). */
  poke(upTo: number | null): void {
    if (upTo !== null && upTo <= this.tail) return;
    // The run's worker is in this process and offers what it writes (its NOTIFY may overtake its own
    // statement's answer). Anything written elsewhere meanwhile is read at the poll, or when it stops.
    if (upTo !== null && writtenHere.get(this.db)?.has(this.runId)) return;
    this.dirty = true;
    this.wakeLoop?.();
  }

  /**
   * Events this process has just written (its run worker): taken as they are when they follow the tail,
   * so a run watched on the instance that executes it is never read back from the table. A gap (events
   * written elsewhere first) is left to a read.
   */
  offer(rows: StoredRunEvent[]): void {
    let added = false;
    for (const row of rows) {
      if (row.seq <= this.tail) continue;
      if (row.seq !== this.tail + 1) return this.poke(null);
      this.keep(row);
      added = true;
    }
    if (added) this.notify();
  }

  private keep(row: StoredRunEvent): void {
    this.events.push(row);
    this.tail = row.seq;
    if (isFinished(row)) this.ended = true;
    if (this.events.length > FEED_KEEPS) this.floor = this.events.splice(0, FEED_KEEPS / 2).at(-1)!.seq;
  }

  /** The kept events after `seq` (a copy: the feed may drop old ones meanwhile). */
  after(seq: number): StoredRunEvent[] {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo);
  }

  /** Resolves at the feed's next news (new events, or its end), or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    for (const done of [...this.waiting]) done();
  }

  private running = false;

  private async loop(): Promise<void> {
    this.running = true;
    stats.feeds++;
    try {
      while (this.watchers > 0 && !this.ended) {
        if (this.dirty) {
          this.dirty = false;
          const rows = await read(this.db, this.runId, this.tail);
          // Some may have been offered while the read was on its way. (The table's numbers may skip one
          // whose write failed: what it holds is the run's history, so a gap there is no reason to wait.)
          for (const row of rows) if (row.seq > this.tail) this.keep(row);
          if (rows.length === PAGE) this.dirty = true;
          // Nothing new, and nothing will come: the run is over (its last event was read before), or gone.
          if (!rows.length && !this.ended && (await isOver(this.db, this.runId))) this.ended = true;
          if (rows.length || this.ended) this.notify();
          continue;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.dirty = true;
            resolve();
          }, FOLLOW_POLL_MS);
          this.wakeLoop = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeLoop = null;
      }
    } catch (err) {
      this.error = err;
      this.ended = true;
      this.notify();
    } finally {
      this.running = false;
      stats.feeds--;
      this.onDone(this);
    }
  }
}

// One subscription per database client; each run being watched has one feed.
const feedsOf = new WeakMap<Db, Map<string, RunFeed>>();

function feedsFor(db: Db): Map<string, RunFeed> {
  let m = feedsOf.get(db);
  if (!m) {
    const map = new Map<string, RunFeed>();
    m = map;
    feedsOf.set(db, map);
    listenerFor(db).subscribe(RUN_EVENTS_CHANNEL, {
      onMessage(payload) {
        const cut = payload.lastIndexOf(':');
        const upTo = Number(payload.slice(cut + 1));
        map.get(payload.slice(0, cut))?.poke(Number.isSafeInteger(upTo) ? upTo : null);
      },
      onReset() {
        for (const feed of map.values()) feed.poke(null);
      },
    });
  }
  return m;
}

function feedFor(db: Db, runId: string): RunFeed {
  const feeds = feedsFor(db);
  let feed = feeds.get(runId);
  // An ended feed is left to the watchers it has; a newcomer starts afresh (and finds the run over).
  if (!feed || feed.ended) {
    feed = new RunFeed(db, runId, (done) => {
      if (feeds.get(runId) === done) feeds.delete(runId);
    });
    feeds.set(runId, feed);
  }
  return feed;
}

// Runs whose events this process writes now (its run worker executes them), per database client.
const writtenHere = new WeakMap<Db, Set<string>>();

/**
 * Registers this process as the writer of a run's events while it executes the run: `offer` hands each
 * written batch to the run's feed here (if anyone here watches), `done` ends it and lets the feed read
 * whatever else it may have missed.
 */
export function writingRunEvents(db: Db, runId: string): { offer(rows: StoredRunEvent[]): void; done(): void } {
  let runs = writtenHere.get(db);
  if (!runs) writtenHere.set(db, (runs = new Set()));
  runs.add(runId);
  return {
    offer: (rows) => feedsOf.get(db)?.get(runId)?.offer(rows),
    done: () => {
      runs.delete(runId);
      feedsOf.get(db)?.get(runId)?.poke(null);
    },
  };
}

/**
 * The run's events after `afterSeq`: first those already written, then each new one as it is written,
 * ending after the `finished` event (or when `signal` aborts). No gaps and no repeats: every event
 * yielded is the next one after the last yielded, from the feed's memory or, far behind it, the table.
 */
export async function* followRunEvents(db: Db, runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StoredRunEvent> {
  const feed = feedFor(db, runId);
  feed.join();
  let last = afterSeq;
  try {
    while (!signal.aborted) {
      const rows = last < feed.floor ? await read(db, runId, last) : feed.after(last);
      for (const row of rows) {
        last = row.seq;
        yield row;
        if (isFinished(row)) return;
        if (signal.aborted) return;
      }
      if (rows.length) continue;
      if (feed.ended) {
        if (feed.error) throw feed.error;
        return;
      }
      await feed.changed(signal);
    }
  } finally {
    feed.leave();
  }
}
