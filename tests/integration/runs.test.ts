// Runs as jobs (issue 18): start answers with a queued run at once and a worker executes it; its events
// are numbered, kept and replayable from any number; cancel works from any caller, stops the provider
// call where the run executes and returns the credits; a queued run cancelled never executes; a job
// delivered twice executes once; a worker that dies leaves a run that the recovery job fails, with its
// credits returned and its watchers told.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunEvent } from '~/lib/schemas/runs';
import { maintenance, RUN_STALE_MS } from '~/server/jobs';
import { jobQueueFor } from '~/server/jobs/queue';
import { type RunWorker, startRunWorker } from '~/server/jobs/runs';
import { getBalance } from '~/server/services/credits';
import { serverEnv } from '~/server/env';
import { executeRun } from '~/server/services/generation/run';
import type { StoredRunEvent } from '~/server/services/run-events';
import { followRunEvents } from '~/server/services/run-feed';
import { callRest, createTestApp, type TestApp } from '../helpers/api-server';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { callsWithKey, fakeRequests, setFakeLatency } from '../helpers/fake-providers';
import { callerFor, createUser, setWorkspacePlan } from '../helpers/fixtures';
import { collect, finished, ownerWithKey } from '../helpers/runs';

const MISTRAL = { source: 'platform', platformModelId: 'mistral:mistral-small-latest' } as const;

afterEach(() => setFakeLatency({ chunkIntervalMs: 2, chunks: 12, firstByteMs: 0 }));

await describeEachDb('runs as jobs', (getDb) => {
  const t = { get db() { return getDb().db; } };
  let worker: RunWorker | null = null;
  beforeEach(serveFromTestDb(getDb));
  afterEach(async () => {
    await worker?.stop(1_000);
    worker = null;
  });

  /** Follows a run's events (as the SSE endpoint does) until `until` or its end. */
  async function follow(runId: string, after = 0, until?: (e: RunEvent) => boolean): Promise<StoredRunEvent[]> {
    const controller = new AbortController();
    const out: StoredRunEvent[] = [];
    const timer = setTimeout(() => controller.abort(), 20_000);
    try {
      for await (const e of followRunEvents(t.db, runId, after, controller.signal)) {
        out.push(e);
        if (until?.(JSON.parse(e.payload) as RunEvent)) break;
      }
    } finally {
      clearTimeout(timer);
    }
    return out;
  }
  const parsed = (rows: StoredRunEvent[]) => rows.map((r) => JSON.parse(r.payload) as RunEvent);

  it('answers with a queued run at once; a worker executes it; its events are numbered and replay from any number', async () => {
    const u = await createUser(t.db, 'Queued run');
    const caller = callerFor(t.db, u);
    const { runId } = await caller.generation.start({ workspaceId: u.workspace.id, prompt: 'A fox', choice: MISTRAL, imageCount: 1 });
    // Queued, its credits held, nothing called yet.
    expect((await t.db.generationRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('queued');
    expect(await getBalance(t.db, u.workspace.id)).toBeLessThan(250);
    expect((await fakeRequests()).some((r) => r.provider === 'mistral' && r.stream && JSON.stringify(r).includes(runId))).toBe(false);

    worker = await startRunWorker(t.db, { concurrency: 2 });
    const all = await follow(runId);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const events = parsed(all);
    expect(events[0]).toMatchObject({ type: 'started', runId });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'succeeded' });
    expect(events.filter((e) => e.type === 'image')).toHaveLength(1);
    const script = events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join('');
    expect(script).toContain('A fox');

    // A watcher that saw up to 2 gets exactly the rest: no gap, no repeat.
    const tail = await follow(runId, 2);
    expect(tail).toEqual(all.slice(2));
    const run = await caller.generation.get({ workspaceId: u.workspace.id, runId });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.kind === 'script')!.text).toBe(script);
  });

  it('fetches from the queue once per reason to expect a run, not once per wake-up', async () => {
    const u = await createUser(t.db, 'Fetch count');
    const caller = callerFor(t.db, u);
    const { boss } = await jobQueueFor(t.db);
    worker = await startRunWorker(t.db, { concurrency: 2 });
    const fetch = boss.fetch.bind(boss);
    let empty = 0;
    boss.fetch = (async (...args: Parameters<typeof fetch>) => {
      const jobs = await fetch(...args);
      if (!jobs?.length) empty++;
      return jobs;
    }) as typeof boss.fetch;
    const started = Date.now();
    try {
      for (let i = 0; i < 4; i++) {
        const { runId } = await caller.generation.start({ workspaceId: u.workspace.id, prompt: `Fox ${i}`, choice: MISTRAL, imageCount: 0 });
        expect(JSON.parse((await follow(runId)).at(-1)!.payload)).toMatchObject({ type: 'finished', status: 'succeeded' });
      }
    } finally {
      boss.fetch = fetch;
    }
    // Fetches that find nothing: the worker's poll, at most. Each wake-up used to fetch until empty, again on
    // its own NOTIFY and again after every run: three empty fetches per run.
    expect(empty).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 2_000) + 1);
  });

  it('cancel from another caller stops the provider call where the run executes and returns the credits', async () => {
    await setFakeLatency({ chunkIntervalMs: 150, chunks: 60 });
    const u = await createUser(t.db, 'Cancel running');
    worker = await startRunWorker(t.db, { concurrency: 2 });
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'long', choice: MISTRAL, imageCount: 1 });
    await follow(runId, 0, (e) => e.type === 'delta');
    // Another tab (another caller, the same member) presses Cancel.
    const asked = await callerFor(t.db, u).generation.cancel({ workspaceId: u.workspace.id, runId });
    expect(asked).toMatchObject({ runId, cancelRequested: true });
    const events = parsed(await follow(runId));
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'cancelled', creditsUsed: 0 });
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
    expect(await t.db.creditReservation.count({ where: { workspaceId: u.workspace.id, status: 'held' } })).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    const call = (await fakeRequests()).filter((r) => r.provider === 'mistral' && r.stream).at(-1)!;
    expect(call.clientAborted).toBe(true);
    // Cancelling again changes nothing.
    expect(await callerFor(t.db, u).generation.cancel({ workspaceId: u.workspace.id, runId })).toMatchObject({ status: 'cancelled' });
  });

  it('a queued run whose key was paused, or whose workspace lost its own keys, while it waited never calls the provider with it', async () => {
    const o = await ownerWithKey(t.db, 'Queued then paused');
    const c = callerFor(t.db, o.owner);
    await c.models.setFallbackPolicy({ workspaceId: o.workspaceId, fallbackPolicy: 'never' });
    const choice = { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' } as const;
    const start = async () => (await c.generation.start({ workspaceId: o.workspaceId, prompt: 'x', choice, imageCount: 0 })).runId;
    const before = (await callsWithKey(o.k)).length;

    const paused = await start();
    await c.keys.pause({ workspaceId: o.workspaceId, keyId: o.key.id });
    expect(finished(await collect(executeRun(t.db, paused)))).toMatchObject({ status: 'failed', errorCode: 'key_paused', creditsUsed: 0 });

    await c.keys.resume({ workspaceId: o.workspaceId, keyId: o.key.id });
    const downgraded = await start();
    await setWorkspacePlan(t.db, o.workspaceId, 'free');
    expect(finished(await collect(executeRun(t.db, downgraded)))).toMatchObject({ status: 'failed', errorCode: 'plan_changed', creditsUsed: 0 });
    expect((await callsWithKey(o.k)).length).toBe(before);
  });

  it('refuses an eleventh run in progress in one workspace with 429 until one ends; other workspaces are not held up', async () => {
    const u = await createUser(t.db, 'Busy workspace');
    const other = await createUser(t.db, 'Quiet workspace');
    const c = callerFor(t.db, u);
    const ids: string[] = [];
    for (let i = 0; i < serverEnv().RUNS_PER_WORKSPACE; i++) ids.push((await c.generation.start({ workspaceId: u.workspace.id, prompt: `x${i}`, choice: MISTRAL, imageCount: 0 })).runId);
    const balance = await getBalance(t.db, u.workspace.id);
    const refused = await c.generation.start({ workspaceId: u.workspace.id, prompt: 'one more', choice: MISTRAL, imageCount: 0 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('runs in progress') });
    expect(await getBalance(t.db, u.workspace.id)).toBe(balance); // refused before any reservation
    const elsewhere = await callerFor(t.db, other).generation.start({ workspaceId: other.workspace.id, prompt: 'x', choice: MISTRAL, imageCount: 0 });
    await c.generation.cancel({ workspaceId: u.workspace.id, runId: ids[0]! });
    ids.push((await c.generation.start({ workspaceId: u.workspace.id, prompt: 'now', choice: MISTRAL, imageCount: 0 })).runId);
    // Nothing is left queued for the next test's worker.
    for (const runId of ids.slice(1)) await c.generation.cancel({ workspaceId: u.workspace.id, runId });
    await callerFor(t.db, other).generation.cancel({ workspaceId: other.workspace.id, runId: elsewhere.runId });
  });

  it('a queued run cancelled never executes; a job delivered twice executes once; another workspace cannot cancel', async () => {
    const u = await createUser(t.db, 'Cancel queued');
    const other = await createUser(t.db, 'Other workspace');
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'x', choice: MISTRAL, imageCount: 2 });
    const denied = await callerFor(t.db, other).generation.cancel({ workspaceId: other.workspace.id, runId }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'NOT_FOUND' });
    // A member who did not start it may watch it but not cancel it.
    const colleague = await createUser(t.db, 'Colleague');
    await t.db.membership.create({ data: { workspaceId: u.workspace.id, userId: colleague.id, role: 'member' } });
    const refused = await callerFor(t.db, colleague).generation.cancel({ workspaceId: u.workspace.id, runId }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
    expect((await t.db.generationRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('queued');
    expect(await callerFor(t.db, u).generation.cancel({ workspaceId: u.workspace.id, runId })).toMatchObject({ status: 'cancelled' });
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
    expect(parsed(await follow(runId))).toEqual([expect.objectContaining({ type: 'finished', status: 'cancelled' })]);
    const calls = (await fakeRequests()).length;
    // Its job, delivered now (or twice), does nothing.
    expect(await executeRun(t.db, runId).next()).toMatchObject({ done: true });
    worker = await startRunWorker(t.db, { concurrency: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await fakeRequests()).length).toBe(calls);
    expect((await t.db.generationRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('cancelled');

    // A run executed once is not executed again by a repeated delivery.
    const second = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'y', choice: MISTRAL, imageCount: 0 });
    await follow(second.runId);
    expect(await executeRun(t.db, second.runId).next()).toMatchObject({ done: true });
  });

  it('a run whose worker died is failed by the recovery job, its credits returned and its watchers told', async () => {
    await setFakeLatency({ chunkIntervalMs: 200, chunks: 40 });
    const u = await createUser(t.db, 'Dead worker');
    const { runId } = await callerFor(t.db, u).generation.start({ workspaceId: u.workspace.id, prompt: 'x', choice: MISTRAL, imageCount: 2 });
    const gen = executeRun(t.db, runId);
    await gen.next(); // started
    await gen.next(); // running: the worker dies here (never resumed, never closed)
    expect(await getBalance(t.db, u.workspace.id)).toBeLessThan(250);
    await maintenance(t.db); // a live heartbeat: nothing to recover
    expect((await t.db.generationRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('running');
    await t.db.generationRun.update({ where: { id: runId }, data: { heartbeatAt: new Date(Date.now() - RUN_STALE_MS - 1_000) } });
    await maintenance(t.db);
    expect(await t.db.generationRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: 'failed', errorCode: 'interrupted' });
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
    expect(parsed(await follow(runId)).at(-1)).toMatchObject({ type: 'finished', status: 'failed', errorCode: 'interrupted' });
    await maintenance(t.db); // idempotent
    expect(await getBalance(t.db, u.workspace.id)).toBe(250);
  });

  it('REST: 202 with the queued run, the events as SSE resumable with Last-Event-ID, the run, the list and cancel; other workspaces see nothing', async () => {
    const app: TestApp = await createTestApp();
    try {
      const u = await createUser(t.db, 'REST runs');
      const other = await createUser(t.db, 'REST other');
      const { token } = await callerFor(t.db, u).account.createToken({ name: 'runs' });
      const { token: otherToken } = await callerFor(t.db, other).account.createToken({ name: 'runs' });
      const base = `/api/workspaces/${u.workspace.id}/runs`;
      const bad = await callRest(app, { method: 'POST', url: base, token, body: { prompt: 'x', images: 5 } });
      expect(bad.status).toBe(400);
      const created = await callRest(app, { method: 'POST', url: base, token, body: { prompt: 'A heron', model: 'mistral:mistral-small-latest', images: 1, aspect_ratio: '16:9' } });
      expect(created.status).toBe(202);
      expect(created.json).toMatchObject({ status: 'queued', prompt: 'A heron', credential_kind: 'managed', events_url: `${base}/${created.json.id}/events` });
      const id = created.json.id as string;

      worker = await startRunWorker(t.db, { concurrency: 2 });
      await follow(id);
      const sse = await app.inject({ method: 'GET', url: `${base}/${id}/events`, headers: { authorization: `Bearer ${token}` } });
      expect(sse.statusCode).toBe(200);
      expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
      const ids = [...sse.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids).toEqual(ids.map((_, i) => i + 1));
      const resumed = await app.inject({ method: 'GET', url: `${base}/${id}/events`, headers: { authorization: `Bearer ${token}`, 'last-event-id': '2' } });
      expect([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(2));

      const got = await callRest(app, { method: 'GET', url: `${base}/${id}`, token });
      expect(got.json).toMatchObject({ status: 'succeeded', credential_kind: 'managed', image_urls: [expect.stringMatching(/^\/api\/images\//)], error: null });
      expect(got.json.script).toContain('A heron');
      const image = await app.inject({ method: 'GET', url: (got.json.image_urls as string[])[0]!, headers: { authorization: `Bearer ${token}` } });
      expect(image.statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: (got.json.image_urls as string[])[0]!, headers: { authorization: `Bearer ${otherToken}` } })).statusCode).toBe(404);
      expect((got.json.credits_used as number) > 0).toBe(true);
      const list = await callRest(app, { method: 'GET', url: `${base}?limit=1`, token });
      expect(list.json).toMatchObject({ data: [{ id, status: 'succeeded' }] });
      expect((await callRest(app, { method: 'POST', url: `${base}/${id}/cancel`, token })).json).toMatchObject({ status: 'succeeded' });

      // Another workspace's member: not found everywhere, the events included; no token: 401.
      for (const [method, url] of [['GET', `${base}/${id}`], ['GET', `${base}/${id}/events`], ['POST', `${base}/${id}/cancel`], ['GET', base]] as const) {
        expect((await callRest(app, { method, url, token: otherToken })).status).toBe(404);
        expect((await callRest(app, { method, url })).status).toBe(401);
      }
      const elsewhere = await callRest(app, { method: 'GET', url: `/api/workspaces/${other.workspace.id}/runs/${id}`, token: otherToken });
      expect(elsewhere.status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
