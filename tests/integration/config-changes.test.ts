// A configuration change "applies to the next call, on every app instance" (PRODUCT.md M5): the writer
// answers only once every listening instance has heard it, not just itself. Instance B here is a second
// database client whose connections pass through a TCP relay the test can hold, as an instance whose event
// loop is busy (or whose network is slow) reads its notifications late; CI caught the gateway of such an
// instance serving one call by a plan it had already lost.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConfigSubscriber, changingConfig, configChangesFor } from '~/server/db/config-changes';
import { openDatabase, type Opened } from '~/server/db/connect';
import { LISTENING_NAME, listenerFor, whenListening } from '~/server/db/notifications';
import { describePostgres } from '../helpers/db';
import { createUser, setWorkspacePlan } from '../helpers/fixtures';

/** A relay to PostgreSQL whose replies to its clients can be held back (and then sent, in order). */
async function heldRelay(target: URL) {
  let holding = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => (holding ? held.push(() => client.write(d)) : client.write(d)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

await describePostgres('configuration changes across instances', (getDb) => {
  let relay: Awaited<ReturnType<typeof heldRelay>>;
  let b: Opened;
  const heardByB: { scope: string; at: number }[] = [];

  beforeAll(async () => {
    relay = await heldRelay(new URL(getDb().url!));
    b = openDatabase({ kind: 'postgres', url: relay.url });
    const subscriber: ConfigSubscriber = { onChange: (scope) => heardByB.push({ scope, at: performance.now() }), onReset: () => {} };
    configChangesFor(b.db).subscribe(subscriber);
    configChangesFor(getDb().db);
    expect(await whenListening(listenerFor(b.db))).toBe(true);
    expect(await whenListening(listenerFor(getDb().db))).toBe(true);
  });

  afterAll(async () => {
    relay?.release();
    await b?.close().catch(() => {});
    await relay?.close();
  });

  it('answers a change only once an instance that reads its notifications late has heard it', async () => {
    const db = getDb().db;
    const { workspace } = await createUser(db, 'Late listener');
    relay.hold();
    let answeredAt: number | null = null;
    const writing = changingConfig(db, workspace.id, () => setWorkspacePlan(db, workspace.id, 'pro')).then(() => (answeredAt = performance.now()));
    await new Promise((r) => setTimeout(r, 400));
    // The change committed and this instance heard it, but B has not: the writer still waits.
    expect(answeredAt).toBeNull();
    expect(heardByB.filter((h) => h.scope === workspace.id)).toEqual([]);
    relay.release();
    await writing;
    const heard = heardByB.find((h) => h.scope === workspace.id);
    expect(heard, 'B heard the change').toBeDefined();
    expect(heard!.at).toBeLessThanOrEqual(answeredAt!);
  });

  it('gives up on an instance that does not answer within the wait, and waits for none once it is gone', async () => {
    const db = getDb().db;
    const listener = listenerFor(db);
    relay.hold();
    const started = performance.now();
    expect(await listener.barrier(300)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    relay.release();
    expect(await listener.barrier(2_000)).toBe(true);
    // B stops, as an instance does: once its listening connection is gone, nobody waits for it.
    const listening = async () =>
      (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = ${LISTENING_NAME}`)[0]!.n;
    expect(await listening()).toBe(2);
    await b.close();
    await expect.poll(listening).toBe(1);
    const t0 = performance.now();
    expect(await listener.barrier(2_000)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('does not count as listening until a channel subscribed on a live connection is listened to', async () => {
    const c = openDatabase({ kind: 'postgres', url: getDb().url! });
    try {
      const listener = listenerFor(c.db);
      listener.subscribe('test_first', { onMessage: () => {} });
      expect(await whenListening(listener)).toBe(true);
      const heard: string[] = [];
      listener.subscribe('test_later', { onMessage: (p) => heard.push(p) });
      // Its LISTEN is on its way: a cache must not trust what it reads yet.
      expect(listener.connected).toBe(false);
      expect(await whenListening(listener)).toBe(true);
      await getDb().db.$executeRaw`SELECT pg_notify('test_later', 'after')`;
      await expect.poll(() => heard).toEqual(['after']);
    } finally {
      await c.close();
    }
  });

  it('listens to a channel subscribed while its connection is being set up', async () => {
    const c = openDatabase({ kind: 'postgres', url: getDb().url! });
    const heard: string[] = [];
    const listener = listenerFor(c.db);
    // The moment the listening connection names itself (mid set-up), another subscriber arrives.
    const query = pg.Client.prototype.query;
    const spy = function (this: pg.Client, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith('SET application_name')) {
        pg.Client.prototype.query = query;
        listener.subscribe('test_midway', { onMessage: (p) => heard.push(p) });
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    };
    pg.Client.prototype.query = spy as typeof query;
    try {
      listener.subscribe('test_first', { onMessage: () => {} });
      expect(await whenListening(listener)).toBe(true);
      expect(pg.Client.prototype.query).toBe(query);
      await getDb().db.$executeRaw`SELECT pg_notify('test_midway', 'heard')`;
      await expect.poll(() => heard).toEqual(['heard']);
    } finally {
      pg.Client.prototype.query = query;
      await c.close();
    }
  });
});
