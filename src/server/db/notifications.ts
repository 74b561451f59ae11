import 'server-only';
// PostgreSQL's LISTEN/NOTIFY for what must hold across app instances: a trigger or a writer announces a
// change on a channel, and every instance listening hears it. With PostgreSQL each process keeps one
// dedicated connection for it (reconnecting with a growing pause); the embedded database delivers its own
// notifications in process. While a connection is down, `connected` is false and subscribers are told
// (`onReset`) when it is back, so anything that depends on hearing every message can start afresh.
// `barrier` answers once every listening connection of the database has delivered what was notified before
// it: a writer uses it to know that every instance has heard its change, not just itself.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { closeWith, connectionOf, type Db } from '~/server/db/connect';
import { log } from '~/server/log';

export type Subscriber = { onMessage(payload: string): void; onReset?(): void };

type Channel = { subscribers: Set<Subscriber> };

export type Listener = {
  /** False while a PostgreSQL connection is being re-established: messages may be missed meanwhile. */
  readonly connected: boolean;
  subscribe(channel: string, s: Subscriber): () => void;
  /**
   * True once every process listening on this database has delivered, to its subscribers, everything
   * notified before the call; false when that is not known within `timeoutMs` (or this one is not listening).
   */
  barrier(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
};

const listeners = new WeakMap<Db, Listener>();

/** The listener of a client with no connection of its own (see listenerFor): never connected, hears nothing. */
export const DEAF: Listener = { connected: false, subscribe: () => () => {}, barrier: async () => false, close: async () => {} };

/** The one listener of this database client (created on first use). */
export function listenerFor(db: Db): Listener {
  let l = listeners.get(db);
  if (!l) {
    const connection = connectionOf(db);
    // A client derived from an opened one (Prisma's $extends, in tests) has no connection of its own to listen
    // on: it never hears anything, so whatever depends on hearing reads the database instead.
    if (!connection) return DEAF;
    l = connection.kind === 'pglite' ? embeddedListener(connection.pglite) : postgresListener(connection.url);
    listeners.set(db, l);
    closeWith(db, () => closeListener(db));
  }
  return l;
}

function deliver(channels: Map<string, Channel>, channel: string, payload: string) {
  for (const s of channels.get(channel)?.subscribers ?? []) {
    try {
      s.onMessage(payload);
    } catch (err) {
      log.error({ err, channel }, 'notification subscriber failed');
    }
  }
}

function embeddedListener(pglite: import('@electric-sql/pglite').PGlite): Listener {
  const channels = new Map<string, Channel & { unlisten: Promise<() => Promise<void>> }>();
  return {
    connected: true,
    subscribe(channel, s) {
      let c = channels.get(channel);
      if (!c) {
        const unlisten = pglite.listen(channel, (payload) => deliver(channels, channel, payload));
        c = { subscribers: new Set(), unlisten };
        channels.set(channel, c);
      }
      c.subscribers.add(s);
      return () => c.subscribers.delete(s);
    },
    // The embedded database lives in this one process: there is no other listener to wait for.
    barrier: async () => true,
    async close() {
      for (const c of channels.values()) await (await c.unlisten)().catch(() => {});
      channels.clear();
    },
  };
}

// The barrier's channel. `?<mark>` asks every listening connection to answer `!<mark> <its backend pid>`;
// PostgreSQL delivers notifications to each listener in commit order and each process delivers them in
// order, so the answer comes after everything notified before the mark was delivered.
const SYNC_CHANNEL = 'byok_sync';
// Only connections that already listen on SYNC_CHANNEL carry this name, so a barrier waits for exactly them
// (and not for an instance of an earlier version, still called `byok-studio-listen`, during a rolling update).
export const LISTENING_NAME = 'byok-studio-listen-sync';

function postgresListener(url: string): Listener {
  const channels = new Map<string, Channel>();
  const barriers = new Map<string, { waiting: Set<number>; done: (ok: boolean) => void }>();
  let client: pg.Client | null = null;
  let connected = false;
  let closed = false;
  let retryMs = 100;

  const listen = (c: pg.Client, channel: string) => c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);

  function onSync(c: pg.Client, payload: string) {
    if (payload.startsWith('?')) {
      void c
        .query("SELECT pg_notify($1, '!' || $2 || ' ' || pg_backend_pid())", [SYNC_CHANNEL, payload.slice(1)])
        .catch((err: unknown) => log.warn({ err }, 'could not answer a notification barrier'));
      return;
    }
    const [mark, pid] = payload.slice(1).split(' ');
    const b = barriers.get(mark ?? '');
    if (!b) return;
    b.waiting.delete(Number(pid));
    if (b.waiting.size === 0) b.done(true);
  }

  async function connect(): Promise<void> {
    if (closed) return;
    // Keepalives both ways: a vanished instance's session leaves pg_stat_activity (and barriers stop
    // waiting for it) within about a minute, not the operating system's two hours.
    const c = new pg.Client({
      connectionString: url, application_name: 'byok-studio-listen', keepAlive: true, keepAliveInitialDelayMillis: 30_000,
      options: '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3',
    });
    c.on('notification', (m) => (m.channel === SYNC_CHANNEL ? onSync(c, m.payload ?? '') : deliver(channels, m.channel, m.payload ?? '')));
    c.on('error', (err) => {
      log.warn({ err }, 'notification connection failed');
      void drop(c);
    });
    c.on('end', () => void drop(c));
    try {
      await c.connect();
      await listen(c, SYNC_CHANNEL);
      await c.query(`SET application_name = '${LISTENING_NAME}'`);
      // Channels subscribed while this connects are listened to as well: nothing awaits between the last
      // check and the connection taking over below.
      const listened = new Set<string>();
      for (let missing = [...channels.keys()]; missing.length; missing = [...channels.keys()].filter((ch) => !listened.has(ch))) {
        for (const channel of missing) {
          await listen(c, channel);
          listened.add(channel);
        }
      }
    } catch (err) {
      log.warn({ err }, 'notification connection could not be opened');
      await drop(c);
      return;
    }
    client = c;
    connected = true;
    retryMs = 100;
    // Anything said while no connection listened is lost: subscribers start afresh.
    for (const ch of channels.values()) for (const s of ch.subscribers) s.onReset?.();
  }

  async function drop(c: pg.Client): Promise<void> {
    if (client !== c && client !== null) return;
    const wasConnected = client === c;
    client = null;
    connected = false;
    c.removeAllListeners('end');
    await c.end().catch(() => {});
    if (closed) return;
    if (wasConnected) for (const ch of channels.values()) for (const s of ch.subscribers) s.onReset?.();
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10_000);
    setTimeout(() => void connect(), wait).unref();
  }

  let starting: Promise<void> | null = null;
  // LISTENs sent on a live connection and not yet done: until then a message on that channel may be missed.
  let pendingListens = 0;
  return {
    get connected() {
      return connected && pendingListens === 0;
    },
    subscribe(channel, s) {
      let c = channels.get(channel);
      if (!c) {
        c = { subscribers: new Set() };
        channels.set(channel, c);
        const live = client;
        if (live) {
          pendingListens++;
          listen(live, channel)
            .catch((err: unknown) => {
              log.warn({ err, channel }, 'LISTEN failed');
              void drop(live); // a new connection listens to every channel
            })
            .finally(() => pendingListens--);
        }
      }
      c.subscribers.add(s);
      starting ??= connect();
      return () => c.subscribers.delete(s);
    },
    async barrier(timeoutMs) {
      const c = client;
      if (!c) return false;
      const mark = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      // The whole barrier is bounded, its queries included (a stalled connection must not hold a write).
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      });
      const answered = (async () => {
        // Who must answer is read before the mark is sent: a connection that starts listening later has
        // nothing of before to deliver (it starts afresh), and would never hear the mark.
        const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [LISTENING_NAME]);
        if (rows.length === 0) return true;
        const all = new Promise<boolean>((resolve) => barriers.set(mark, { waiting: new Set(rows.map((r) => r.pid)), done: resolve }));
        await c.query('SELECT pg_notify($1, $2)', [SYNC_CHANNEL, `?${mark}`]);
        return all;
      })();
      try {
        return await Promise.race([answered, deadline]);
      } catch (err) {
        log.warn({ err }, 'notification barrier failed');
        return false;
      } finally {
        clearTimeout(timer);
        barriers.delete(mark);
        answered.catch(() => {}); // lost the race to the deadline: its failure no longer matters
      }
    },
    async close() {
      closed = true;
      for (const b of barriers.values()) b.done(false);
      barriers.clear();
      const c = client;
      client = null;
      connected = false;
      await c?.end().catch(() => {});
    },
  };
}

/** Ends this client's listening connection, if it has one (before its database is dropped or closed). */
export async function closeListener(db: Db): Promise<void> {
  const l = listeners.get(db);
  listeners.delete(db);
  await l?.close();
}

/** Waits until the listener is connected (PostgreSQL) or `timeoutMs` passes; true when connected. */
export async function whenListening(l: Listener, timeoutMs = 5_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!l.connected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return l.connected;
}
