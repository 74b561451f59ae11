// Two app instances on one PostgreSQL database, as a deployment runs them: separate processes started from
// the production build, sharing only the database and the deployment's secrets (no module state, cache or
// connection pool). The AI config "applies to the next call, on every app instance" (PRODUCT.md M5,
// issue 21 item 4): changed through one instance, the very next run through the other uses it, as the
// fake providers' record of which credential each call carried shows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { PLANS } from '~/lib/plans';
import { changingConfig } from '~/server/db/config-changes';
import type { RunEvent } from '~/lib/schemas/runs';
import { newId } from '~/server/ids';
import { fakeProviderEnv, PREFIXES, type ProviderId } from '../../fake-providers/server';
import { type AppProcess, ensureAppBuilt, sharedSecretsEnv, signUpThrough, startApp, trpcThrough } from '../helpers/app-process';
import { canaryKey, findCanary } from '../helpers/canary';
import { describePostgres } from '../helpers/db';
import { callsWithKey } from '../helpers/fake-providers';
import { setWorkspacePlan } from '../helpers/fixtures';
import { readRunStream } from '../helpers/runs';

/** Platform keys of one instance, unique to this run, so a provider call names the instance that made it. */
function platformKeys(instance: string) {
  const tag = `${instance}${randomBytes(8).toString('hex')}`;
  return {
    PLATFORM_ANTHROPIC_API_KEY: `sk-ant-platform-${tag}`,
    PLATFORM_OPENAI_API_KEY: `sk-platform-${tag}`,
    PLATFORM_GOOGLE_API_KEY: `AQ.platform-${tag}`,
    PLATFORM_XAI_API_KEY: `xai-platform-${tag}`,
    PLATFORM_MISTRAL_API_KEY: `PlatformMistral${tag}`.slice(0, 32),
  };
}

function fakeBaseUrls(): Record<ProviderId, string> {
  const url = inject('fakeProvidersUrl');
  return Object.fromEntries(Object.entries(PREFIXES).map(([p, prefix]) => [p, url + prefix])) as Record<ProviderId, string>;
}

await describePostgres('two app instances on one database', (getDb) => {
  const platform = { a: platformKeys('a'), b: platformKeys('b'), c: platformKeys('c') };
  let a: AppProcess | undefined;
  let b: AppProcess | undefined;
  let c: AppProcess | undefined;
  let deployment: Record<string, string> = {};

  beforeAll(async () => {
    await ensureAppBuilt();
    deployment = { DATABASE_URL: getDb().url!, ...fakeProviderEnv({ baseUrls: fakeBaseUrls() }), ...sharedSecretsEnv(), STREAM_IDLE_TIMEOUT_MS: '5000' };
    [a, b, c] = await Promise.all([
      startApp({ name: 'a', env: { ...deployment, ...platform.a } }),
      // B serves web only (APP_ROLE=web): every run executes on A's worker, wherever it was started.
      startApp({ name: 'b', env: { ...deployment, ...platform.b, APP_ROLE: 'web' } }),
      // C is a gateway process (APP_ROLE=gateway): the gateway's routes alone, so its readiness is a gateway 404.
      startApp({ name: 'c', env: { ...deployment, ...platform.c, APP_ROLE: 'gateway' }, ready: { path: '/api/gateway/none/x', status: 404 } }),
    ]);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('runs a generation through instance B with the AI config just changed through instance A', async () => {
    const [viaA, viaB] = [a!, b!];
    const { cookie } = await signUpThrough(viaA, 'Two instances');
    const [ws] = await trpcThrough(viaA, cookie).workspace.list.query();
    await setWorkspacePlan(getDb().db, ws!.id, 'pro');
    const { token } = await trpcThrough(viaA, cookie).account.createToken.mutate({ name: 'two instances' });

    const putConfigThroughA = async (body: unknown) => {
      const r = await fetch(`${viaA.url}/api/workspaces/${ws!.id}/ai-config`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const runThroughB = async () => {
      const { runId } = await trpcThrough(viaB, cookie).generation.start.mutate({ workspaceId: ws!.id, prompt: 'Two instances', imageCount: 0 });
      const events = (await readRunStream(`${viaB.url}/api/workspaces/${ws!.id}/runs/${runId}/events`, { cookie })).events.map((e) => e.event);
      const started = events.find((e) => e.type === 'started') as Extract<RunEvent, { type: 'started' }>;
      const finished = events.find((e) => e.type === 'finished') as Extract<RunEvent, { type: 'finished' }>;
      return { script: started.steps[0]!, finished };
    };
    // Generation calls stream; the probe that checks a key when it is added does not.
    const streamedWith = async (key: string) => (await callsWithKey(key)).filter((r) => r.stream).length;

    // B serves the workspace first, on the managed default (whatever it may keep from this read).
    const first = await runThroughB();
    expect(first.finished.status).toBe('succeeded');
    expect(first.script).toMatchObject({ credentialSource: 'managed', provider: 'anthropic' });
    expect(await streamedWith(platform.a.PLATFORM_ANTHROPIC_API_KEY)).toBe(1);

    // Through A: the workspace's own OpenAI key. B's very next run uses it.
    const k = canaryKey('sk-proj-');
    expect(await putConfigThroughA({ mode: 'byok', provider: 'openai', api_key: k, model: 'gpt-4.1-mini' })).toMatchObject({
      status: 200, json: { mode: 'byok', provider: 'openai', model: 'gpt-4.1-mini', has_api_key: true },
    });
    const second = await runThroughB();
    expect(second.finished).toMatchObject({ status: 'succeeded', creditsUsed: 0 });
    expect(second.script).toMatchObject({ credentialSource: 'byok', provider: 'openai', modelId: 'gpt-4.1-mini' });
    expect(await streamedWith(k)).toBe(1);
    expect(await streamedWith(platform.a.PLATFORM_OPENAI_API_KEY)).toBe(0);

    // Through A: back to managed (the key goes). B's very next run is on platform credits again.
    expect(await putConfigThroughA({ mode: 'managed', provider: 'openai', model: 'gpt-4.1-mini' })).toMatchObject({
      status: 200, json: { mode: 'managed', provider: 'openai', model: 'gpt-4.1-mini', has_api_key: false, removed_key: { provider: 'openai', label: 'primary' } },
    });
    const third = await runThroughB();
    expect(third.finished.status).toBe('succeeded');
    expect(third.finished.creditsUsed).toBeGreaterThan(0);
    expect(third.script).toMatchObject({ credentialSource: 'managed', provider: 'openai', modelId: 'gpt-4.1-mini' });
    expect(await streamedWith(platform.a.PLATFORM_OPENAI_API_KEY)).toBe(1);
    expect(await streamedWith(k)).toBe(1);

    // Started and streamed through B, executed by A's worker (B runs none); neither process wrote the key anywhere.
    for (const key of Object.values(platform.b)) expect(await callsWithKey(key)).toHaveLength(0);
    for (const app of [viaA, viaB]) expect(findCanary(JSON.stringify(app.output()), k), app.name).toBeNull();
  });

  it('a run started through A streams through B, and a Cancel through B stops it at A’s worker', async () => {
    const [viaA, viaB] = [a!, b!];
    const { cookie } = await signUpThrough(viaA, 'Two instances cancel');
    const [ws] = await trpcThrough(viaA, cookie).workspace.list.query();
    await fetch(`${inject('fakeProvidersUrl')}/__fake/latency`, { method: 'POST', body: JSON.stringify({ chunkIntervalMs: 150, chunks: 80 }) });
    try {
      const choice = { source: 'platform', platformModelId: 'mistral:mistral-small-latest' } as const;
      const { runId } = await trpcThrough(viaA, cookie).generation.start.mutate({ workspaceId: ws!.id, prompt: 'Cancel across', choice, imageCount: 1 });
      const url = `${viaB.url}/api/workspaces/${ws!.id}/runs/${runId}/events`;
      const early = await readRunStream(url, { cookie }, { stopAfter: (e) => e.event.type === 'delta' });
      expect(early.contentType).toMatch(/^text\/event-stream/);
      expect(early.events[0]!.event).toMatchObject({ type: 'started', runId });
      const cancelled = await fetch(`${viaB.url}/api/trpc/generation.cancel`, {
        method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: viaB.url }, body: JSON.stringify({ json: { workspaceId: ws!.id, runId } }),
      });
      expect(cancelled.status).toBe(200);
      await cancelled.text();
      // The rest, through B, from the last id seen: no repeats, the end says cancelled.
      const rest = await readRunStream(url, { cookie }, { lastEventId: early.events.at(-1)!.id });
      expect(rest.events[0]!.id).toBe(early.events.at(-1)!.id + 1);
      expect(rest.events.at(-1)!.event).toMatchObject({ type: 'finished', status: 'cancelled', creditsUsed: 0 });
      const call = (await callsWithKey(platform.a.PLATFORM_MISTRAL_API_KEY)).filter((r) => r.stream).at(-1)!;
      expect(call.clientAborted).toBe(true);
      expect(await callsWithKey(platform.b.PLATFORM_MISTRAL_API_KEY)).toHaveLength(0);
      expect((await getDb().db.workspace.findUniqueOrThrow({ where: { id: ws!.id } })).creditBalance).toBe(250);
    } finally {
      await fetch(`${inject('fakeProvidersUrl')}/__fake/latency`, { method: 'POST', body: JSON.stringify({ chunkIntervalMs: 2, chunks: 12, firstByteMs: 0 }) });
    }
  });

  it('a gateway process serves the gateway alone: no pages, no API, no OpenAPI document', async () => {
    for (const path of ['/', '/sign-in', '/api/openapi.json', '/api/trpc/workspace.list', '/api/auth/get-session', '/api/workspaces']) {
      const r = await fetch(`${c!.url}${path}`);
      const body = await r.text();
      expect(r.status, path).toBe(404);
      expect(JSON.parse(body), path).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
    // A gateway path it does not know answers in the gateway's own shape, as every instance's does.
    const r = await fetch(`${c!.url}/api/gateway/openai/v1/nope`, { headers: { authorization: 'Bearer x' } });
    await r.arrayBuffer();
    expect(r.status).toBe(404);
    expect(r.headers.get('cache-control')).toBe('no-store, max-age=0, no-transform');
  });

  // B (web) and C (a gateway process) alike.
  it.each(['b', 'c'] as const)('serves gateway calls through %s by the config, plan and tokens changed through A, from the very next call', async (name) => {
    const [viaA, viaB] = [a!, name === 'b' ? b! : c!];
    const platformB = platform[name];
    const { cookie } = await signUpThrough(viaA, 'Two gateways');
    const [ws] = await trpcThrough(viaA, cookie).workspace.list.query();
    await setWorkspacePlan(getDb().db, ws!.id, 'pro');
    const { token: pat } = await trpcThrough(viaA, cookie).account.createToken.mutate({ name: 'two gateways' });
    const restThroughA = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${viaA.url}/api/workspaces/${ws!.id}/${path}`, {
        method, headers: { authorization: `Bearer ${pat}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, json: r.status === 204 ? null : ((await r.json()) as Record<string, unknown>) };
    };
    const created = await restThroughA('POST', 'runtime-tokens', { label: 'two instances' });
    expect(created.status).toBe(201);
    const runtimeToken = created.json!.token as string;
    const chatThroughB = async () => {
      const r = await fetch(`${viaB.url}/api/gateway/openai/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${runtimeToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await r.arrayBuffer();
      return r.status;
    };
    const chatsWith = async (key: string) => (await callsWithKey(key)).filter((r) => r.path.endsWith('/chat/completions')).length;

    // B serves (and caches) the workspace on platform credits first.
    expect(await chatThroughB()).toBe(200);
    expect(await chatsWith(platformB.PLATFORM_OPENAI_API_KEY)).toBeGreaterThanOrEqual(1);
    // Back and forth through A: each time, B's very next call follows.
    for (let i = 0; i < 4; i++) {
      const k = canaryKey('sk-proj-');
      expect((await restThroughA('PUT', 'ai-config', { mode: 'byok', provider: 'openai', api_key: k, model: 'gpt-4.1-mini' })).status).toBe(200);
      const probed = await chatsWith(k); // the key check A made before storing it
      expect(await chatThroughB()).toBe(200);
      expect(await chatsWith(k), `own key, round ${i}`).toBe(probed + 1);
      const platformCalls = await chatsWith(platformB.PLATFORM_OPENAI_API_KEY);
      expect((await restThroughA('PUT', 'ai-config', { mode: 'managed', provider: 'openai', model: 'gpt-4.1-mini' })).status).toBe(200);
      expect(await chatThroughB()).toBe(200);
      expect(await chatsWith(platformB.PLATFORM_OPENAI_API_KEY), `platform key, round ${i}`).toBe(platformCalls + 1);
      expect(await chatsWith(k)).toBe(probed + 1);
    }
    // A plan without own keys, set while B holds the workspace as byok: B refuses the next call.
    expect((await restThroughA('PUT', 'ai-config', { mode: 'byok', provider: 'openai', api_key: canaryKey('sk-proj-'), model: 'gpt-4.1-mini' })).status).toBe(200);
    expect(await chatThroughB()).toBe(200);
    const db = getDb().db;
    await changingConfig(db, ws!.id, () => setWorkspacePlan(db, ws!.id, 'free'));
    expect(await chatThroughB()).toBe(403);
    await changingConfig(db, ws!.id, () => setWorkspacePlan(db, ws!.id, 'pro'));
    // A token revoked through A is refused by B at once.
    expect(await chatThroughB()).toBe(200);
    expect((await restThroughA('DELETE', `runtime-tokens/${created.json!.id as string}`)).status).toBe(204);
    expect(await chatThroughB()).toBe(401);
  });

  it('renews each workspace’s monthly credits once when two instances run the renewal at the same moment', async () => {
    const db = getDb().db;
    const now = new Date();
    const month = now.toISOString().slice(0, 7);
    // Workspaces from last month, on every plan, none renewed this month yet.
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 86_400_000);
    const plans = [['free', null], ['pro', null], ['ultra', null], ['enterprise', null], ['enterprise', 1_234]] as const;
    const tag = randomBytes(4).toString('hex');
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: newId(), slug: `renewal-${tag}-${i}`, name: `Renewal ${i}`, plan: plans[i % plans.length]![0], enterpriseMonthlyCredits: plans[i % plans.length]![1], creditBalance: 7, createdAt: lastMonth,
    }));
    await db.workspace.createMany({ data: rows });
    const monthly = (r: (typeof rows)[number]) => r.enterpriseMonthlyCredits ?? PLANS[r.plan].monthlyCredits;

    // A barrier: while the workspace table is locked, every renewal that starts waits at its first read
    // (outside any transaction, so nothing times out); released once two wait, they race over the same
    // workspaces, in the same order.
    const locker = new pg.Client({ connectionString: getDb().url! });
    await locker.connect();
    let w: AppProcess | undefined;
    let starting: Promise<AppProcess> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE workspace IN ACCESS EXCLUSIVE MODE');
      // What the daily schedule does, twice (a repeat, or a second tick): a job on the renewal queue.
      const boss = new PgBoss({ connectionString: getDb().url!, supervise: false, schedule: false, migrate: false });
      await boss.start();
      await boss.send('renew-credits', {});
      await boss.send('renew-credits', {});
      await boss.stop({ graceful: false });
      // A's worker takes one (it polls every 10 s); a second worker instance, C, the other.
      starting = startApp({ name: 'w', env: { ...deployment, APP_ROLE: 'worker' } });
      const waiting = async () =>
        (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%enterpriseMonthlyCredits%' AND query LIKE '%"createdAt" <%'`)[0]!.n;
      const deadline = Date.now() + 40_000;
      while ((await waiting()) < 2) {
        if (Date.now() > deadline) throw new Error(`the two renewals did not both start (${await waiting()} waiting)`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await locker.query('COMMIT');
      w = await starting;
      const done = async () => (await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'renew-credits' AND state = 'completed'`)[0]!.n;
      while ((await done()) < 2) {
        if (Date.now() > deadline + 30_000) throw new Error('the renewals did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }

      // Each instance ran one renewal; together they granted each workspace once.
      const renewals = (app: AppProcess) =>
        app.output().stdout.split('\n').filter((l) => l.includes('monthly credits renewal done')).map((l) => (JSON.parse(l) as { granted: number }).granted);
      const [byA, byC] = [renewals(a!), renewals(w)];
      expect(byA).toHaveLength(1);
      expect(byC).toHaveLength(1);
      expect(byA[0]! + byC[0]!).toBe(rows.length);
      console.log(`renewal race: A granted ${byA[0]}, C granted ${byC[0]} of ${rows.length}`);
      const ledger = await db.creditLedger.findMany({ where: { workspaceId: { in: rows.map((r) => r.id) } }, select: { workspaceId: true, amount: true, idempotencyKey: true } });
      expect(ledger).toHaveLength(rows.length);
      const balances = new Map((await db.workspace.findMany({ where: { id: { in: rows.map((r) => r.id) } }, select: { id: true, creditBalance: true } })).map((w) => [w.id, w.creditBalance]));
      for (const r of rows) {
        expect(ledger.filter((l) => l.workspaceId === r.id)).toEqual([{ workspaceId: r.id, amount: monthly(r), idempotencyKey: `plan-grant:${r.id}:${r.plan}:${month}` }]);
        expect(balances.get(r.id), r.plan).toBe(7 + monthly(r));
      }
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await (w ?? (await starting?.catch(() => undefined)))?.stop();
    }
  }, 120_000);

  it.each(['b', 'c'] as const)('writes the gateway calls %s served before it stops, however recent', async (name) => {
    const viaB = name === 'b' ? b! : c!;
    const { cookie } = await signUpThrough(a!, 'Stopping gateway');
    const [ws] = await trpcThrough(a!, cookie).workspace.list.query();
    const { token } = await trpcThrough(a!, cookie).developers.createRuntimeToken.mutate({ workspaceId: ws!.id, label: 'stop' });
    const calls = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${viaB.url}/api/gateway/openai/v1/chat/completions`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }).then(async (r) => (await r.arrayBuffer(), r.status)),
      ),
    );
    expect(calls).toEqual([200, 200, 200, 200, 200]);
    // At once, within the recorder's batching interval: SIGTERM, and the records are there all the same.
    expect(await viaB.stop()).toBe(0);
    if (name === 'b') b = undefined;
    else c = undefined;
    expect(await getDb().db.gatewayCall.count({ where: { workspaceId: ws!.id } })).toBe(5);
    // Managed calls: each settled before the process ended, none left holding credits.
    expect(await getDb().db.creditReservation.count({ where: { workspaceId: ws!.id, status: 'held' } })).toBe(0);
    expect(await getDb().db.creditReservation.count({ where: { workspaceId: ws!.id, status: 'settled' } })).toBe(5);
  });
});
