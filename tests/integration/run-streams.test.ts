// A run's event streams cannot be used to exhaust an instance (issue 18): a user, and a run, may hold only
// so many open at once (429 with Retry-After before anything is held; a stream the client drops gives its
// place back); however many watch one run, one reader per run reads its events from the database and
// hands them to each watcher from its own Last-Event-ID. And the run list pages only from the workspace's
// own runs.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resetServerEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { type RunWorker, startRunWorker } from '~/server/jobs/runs';
import { followRunEvents, runFeedStats, writingRunEvents } from '~/server/services/run-feed';
import { openStreamCount } from '~/server/services/stream-limits';
import { callRest, createTestApp, startApiServer } from '../helpers/api-server';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { setFakeLatency } from '../helpers/fake-providers';
import { callerFor, createUser } from '../helpers/fixtures';
import { readRunStream } from '../helpers/runs';

const MISTRAL = { source: 'platform', platformModelId: 'mistral:mistral-small-latest' } as const;

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  delete process.env.SSE_MAX_PER_USER;
  delete process.env.SSE_MAX_PER_RUN;
  resetServerEnv();
  await setFakeLatency({ chunkIntervalMs: 2, chunks: 12, firstByteMs: 0 });
});

await describeEachDb('run event streams', (getDb) => {
  const t = { get db() { return getDb().db; } };
  let worker: RunWorker | null = null;
  beforeEach(serveFromTestDb(getDb));
  afterEach(async () => {
    await worker?.stop(1_000);
    worker = null;
  });

  /** A member of `owner`'s workspace, with a personal access token. */
  async function colleagueOf(workspaceId: string, name: string) {
    const c = await createUser(t.db, name);
    await t.db.membership.create({ data: { workspaceId, userId: c.id, role: 'member' } });
    return (await callerFor(t.db, c).account.createToken({ name: 'streams' })).token;
  }

  it('caps open streams per user and per run: 429 with Retry-After before the stream, a dropped stream frees its place, others are unaffected', async () => {
    process.env.SSE_MAX_PER_USER = '3';
    process.env.SSE_MAX_PER_RUN = '5';
    resetServerEnv();
    const server = await startApiServer();
    const held: AbortController[] = [];
    try {
      const u = await createUser(t.db, 'Many streams');
      const mine = await callerFor(t.db, u).account.createToken({ name: 'first' });
      const another = await callerFor(t.db, u).account.createToken({ name: 'second' });
      const colleague = await colleagueOf(u.workspace.id, 'Colleague');
      // Queued, and no worker: its streams stay open, waiting.
      const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'x', choice: MISTRAL, imageCount: 0 });
      const { runId: otherRun } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'y', choice: MISTRAL, imageCount: 0 });
      const url = (run: string) => `${server.base}/api/workspaces/${u.workspace.id}/runs/${run}/events`;
      /** Opens a stream and reads its first bytes (it is live); refused ones are read to the end. */
      const open = async (token: string, run = runId) => {
        const c = new AbortController();
        const r = await fetch(url(run), { headers: { authorization: `Bearer ${token}` }, signal: c.signal });
        if (r.status !== 200) return { status: r.status, retryAfter: r.headers.get('retry-after'), json: (await r.json()) as { error: { code: string; message: string } }, c };
        held.push(c);
        const first = await r.body!.getReader().read();
        expect(new TextDecoder().decode(first.value)).toContain('retry: 1000');
        return { status: 200, retryAfter: null, json: null, c };
      };

      const first = await open(mine.token);
      expect(first.status).toBe(200);
      expect((await open(mine.token)).status).toBe(200);
      expect((await open(mine.token, otherRun)).status).toBe(200); // the user's cap counts every run
      const refused = await open(mine.token);
      expect(refused).toMatchObject({ status: 429, retryAfter: '5', json: { error: { code: 'too_many_streams', message: expect.stringContaining('3 event streams open') } } });
      // Another token of the same user buys no more streams.
      expect((await open(another.token, otherRun)).status).toBe(429);
      expect(openStreamCount()).toBe(3);

      // Another user watching the same run is not held up by the first one's cap…
      expect((await open(colleague)).status).toBe(200);
      expect((await open(colleague)).status).toBe(200);
      // …until the run itself has its five.
      expect((await open(colleague, otherRun)).status).toBe(200);
      expect(openStreamCount()).toBe(6);
      const fifthOnRun = await open(await colleagueOf(u.workspace.id, 'Third'));
      expect(fifthOnRun.status).toBe(200);
      const runFull = await open(await colleagueOf(u.workspace.id, 'Fourth'));
      expect(runFull).toMatchObject({ status: 429, retryAfter: '5', json: { error: { code: 'too_many_streams', message: expect.stringContaining('This run has 5') } } });

      // The client drops a stream mid-way: its place comes back (on the run and for the user).
      first.c.abort();
      await until('the dropped stream to be let go', () => openStreamCount() === 6);
      expect((await open(mine.token)).status).toBe(200);
      expect((await open(mine.token)).status).toBe(429);
    } finally {
      for (const c of held) c.abort();
      await until('every stream to end', () => openStreamCount() === 0);
      await until('every run feed to stop', () => runFeedStats().feeds === 0);
      await server.close();
    }
    expect(openStreamCount()).toBe(0);
  });

  it('ten watchers of one run share one reader: each gets every event once, in order; a late joiner resumes from its Last-Event-ID', async () => {
    await setFakeLatency({ chunkIntervalMs: 40, chunks: 30 });
    const server = await startApiServer();
    try {
      const u = await createUser(t.db, 'Crowd');
      const { token } = await callerFor(t.db, u).account.createToken({ name: 'crowd' });
      const auth = { authorization: `Bearer ${token}` };
      const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'A crowd', choice: MISTRAL, imageCount: 1 });
      const url = `${server.base}/api/workspaces/${u.workspace.id}/runs/${runId}/events`;
      const before = runFeedStats().reads;
      const crowd = Array.from({ length: 10 }, () => readRunStream(url, auth));
      await until('ten open streams', () => openStreamCount() === 10);
      expect(runFeedStats().feeds).toBe(1);

      worker = await startRunWorker(t.db, { concurrency: 2 });
      // A client that drops after the first script text, and comes back with the last id it saw.
      const dropped = await readRunStream(url, auth, { stopAfter: (e) => e.event.type === 'delta' });
      const resumed = await readRunStream(url, auth, { lastEventId: dropped.events.at(-1)!.id });
      const all = await Promise.all(crowd);
      const reads = runFeedStats().reads - before;

      const events = all[0]!.events;
      expect(events.at(-1)!.event).toMatchObject({ type: 'finished', status: 'succeeded' });
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      for (const watcher of all) expect(watcher.events).toEqual(events);
      expect([...dropped.events, ...resumed.events]).toEqual(events);
      expect(resumed.events[0]!.id).toBe(dropped.events.at(-1)!.id + 1);
      // One reader: about one read per write of events (however many watch); ten readers would make ten each.
      console.log(`run-streams: ${events.length} events, ${all.length + 2} watchers, ${reads} event reads`);
      expect(reads).toBeLessThanOrEqual(2 * events.length + 2);
      await until('the feed to stop', () => runFeedStats().feeds === 0 && openStreamCount() === 0);
    } finally {
      await server.close();
    }
  });

  it('a run watched on the instance that executes it is handed to its watchers as written, not read back from the table', async () => {
    await setFakeLatency({ chunkIntervalMs: 30, chunks: 20 });
    const u = await createUser(t.db, 'Local watch');
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'A local fox', choice: MISTRAL, imageCount: 1 });
    const before = runFeedStats().reads;
    const seqs: number[] = [];
    const watching = (async () => {
      for await (const e of followRunEvents(t.db, runId, 0, new AbortController().signal)) seqs.push(e.seq);
    })();
    await until('the feed to open', () => runFeedStats().feeds === 1);
    worker = await startRunWorker(t.db, { concurrency: 1 });
    await watching;
    expect(seqs.length).toBeGreaterThan(5);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // The feed's first read (the run had no events yet); everything after came from this process's worker.
    expect(runFeedStats().reads - before).toBeLessThanOrEqual(2);
  });

  it('a feed takes a gap in what its worker offers (a batch whose write failed) from the table, and ends', async () => {
    const u = await createUser(t.db, 'Gap');
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'gap', choice: MISTRAL, imageCount: 0 });
    const row = (seq: number, event: object) => ({ seq, payload: JSON.stringify(event) });
    const [one, two, four] = [row(1, { type: 'delta', text: 'a' }), row(2, { type: 'delta', text: 'b' }), row(4, { type: 'finished', runId, status: 'failed', creditsUsed: 0 })];
    const writer = writingRunEvents(t.db, runId);
    const seqs: number[] = [];
    const watching = (async () => {
      for await (const e of followRunEvents(t.db, runId, 0, AbortSignal.timeout(10_000))) seqs.push(e.seq);
    })();
    await until('the feed to open', () => runFeedStats().feeds === 1);
    await t.db.runEvent.createMany({ data: [one, two].map((r) => ({ runId, ...r })) });
    writer.offer([one, two]);
    await until('the offered events', () => seqs.length === 2);
    // Event 3 never reached the table; 4 did and is offered: the feed reads the table rather than wait for 3.
    await t.db.runEvent.create({ data: { runId, ...four } });
    writer.offer([four]);
    await watching;
    writer.done();
    expect(seqs).toEqual([1, 2, 4]);
  });

  it('a watcher further behind than a feed keeps in memory reads the table until it catches up, without gap or repeat', async () => {
    const u = await createUser(t.db, 'Long run');
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'long', choice: MISTRAL, imageCount: 0 });
    // More events than a feed keeps (2,000), the last one the end.
    const total = 2_600;
    await t.db.runEvent.createMany({
      data: Array.from({ length: total }, (_, i) => ({
        runId, seq: i + 1, payload: JSON.stringify(i + 1 === total ? { type: 'finished', runId, status: 'succeeded', creditsUsed: 0 } : { type: 'delta', text: `${i + 1} ` }),
      })),
    });
    const before = runFeedStats().reads;
    const follow = async (after: number, pauseAt: number | null) => {
      const seqs: number[] = [];
      for await (const e of followRunEvents(t.db, runId, after, new AbortController().signal)) {
        seqs.push(e.seq);
        // This one stops reading a while: the feed reads on for the other and drops what it no longer keeps.
        if (e.seq === pauseAt) await until('the feed to read every page', () => runFeedStats().reads >= before + Math.ceil(total / 500));
      }
      return seqs;
    };
    const [slow, fast] = await Promise.all([follow(0, 10), follow(1_500, null)]);
    expect(slow).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(fast).toEqual(Array.from({ length: total - 1_500 }, (_, i) => i + 1_501));
    expect(runFeedStats().feeds).toBe(0);
    // The feed's pages, and the slow one's catch-up from the table (the 500 events the feed no longer had).
    expect(runFeedStats().reads - before).toBe(Math.ceil(total / 500) + 1);
  });

  it('pages the run list only from a run of the workspace: another workspace’s run or an unknown id as cursor is refused, REST and tRPC alike', async () => {
    const app = await createTestApp();
    try {
      const u = await createUser(t.db, 'Pages');
      const other = await createUser(t.db, 'Other pages');
      const c = callerFor(t.db, u);
      const { token } = await c.account.createToken({ name: 'pages' });
      const ids: string[] = [];
      for (const prompt of ['one', 'two', 'three']) ids.push((await c.generation.start({ workspaceId: u.workspace.id, prompt, choice: MISTRAL, imageCount: 0 })).runId);
      const { runId: foreign } = await callerFor(t.db, other).generation.start({ workspaceId: other.workspace.id, prompt: 'theirs', choice: MISTRAL, imageCount: 0 });
      const base = `/api/workspaces/${u.workspace.id}/runs`;

      for (const cursor of [foreign, newId(), 'not-an-id']) {
        const r = await callRest(app, { method: 'GET', url: `${base}?limit=1&cursor=${cursor}`, token });
        expect(r.status, cursor).toBe(400);
        expect(r.json).toMatchObject({ error: { code: 'invalid_cursor' } });
        expect(r.text).not.toContain(foreign);
      }
      for (const cursor of [foreign, newId()]) {
        await expect(c.generation.history({ workspaceId: u.workspace.id, cursor, limit: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      // The workspace's own cursor pages on, both ways.
      const first = await callRest(app, { method: 'GET', url: `${base}?limit=1`, token });
      const next = await callRest(app, { method: 'GET', url: `${base}?limit=1&cursor=${first.json.next_cursor as string}`, token });
      expect(next.status).toBe(200);
      expect((next.json.data as { id: string }[])[0]!.id).toBe(ids[1]);
      const page = await c.generation.history({ workspaceId: u.workspace.id, cursor: ids[1], limit: 5 });
      expect(page.items.map((r) => r.id)).toEqual([ids[0]]);
      for (const id of ids) await c.generation.cancel({ workspaceId: u.workspace.id, runId: id });
      await callerFor(t.db, other).generation.cancel({ workspaceId: other.workspace.id, runId: foreign });
    } finally {
      await app.close();
    }
  });
});
