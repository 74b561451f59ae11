// `npm run bench [-- --db postgres] [-- --quick]`: what this app adds on top of the providers, measured.
// Starts the production build and the fake providers on loopback, seeds 1,000 workspaces × 5 keys × 50
// models, runs the measurements, prints a table against the targets and writes a JSON report to
// bench-results/. Nothing here is a timed test: the figures are reported, never asserted.
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { hashPassword } from 'better-auth/crypto';
import { freePortsSync } from '../scripts/lib/free-port';
import { createPostgresDatabase } from '../scripts/lib/pg-database';
import { fakeProviderEnv, PREFIXES } from '../fake-providers/server';
import { type Db, resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { loadServerEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { setPlan } from '~/server/services/workspaces';
import { open as aeadOpen, seal } from '~/server/vault/aead';
import { gatewayOverhead, gatewayRows } from './gateway';
import { type UsageBench, usageBench, usageRows } from './usage';
import { cpuMs, fixedRate, fmt, round, rssMB, sleep, type Stats, stats, timeStream } from './lib';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    // While working on one figure: `--only reads` (generation, runs, gateway, reads, addkey, pages, usage), `--no-build`.
    only: { type: 'string' },
    // V8 flags for the server, to compare settings (e.g. "--max-semi-space-size=32"); they come after
    // those `npm start` sets, so they can override them. Recorded in the report.
    'server-node-options': { type: 'string', default: '' },
    'no-build': { type: 'boolean', default: false },
    // The server's stdout on the console (e.g. with --server-node-options=--trace-gc).
    'server-stdout': { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '15' },
  },
});
const SECTIONS = ['generation', 'runs', 'gateway', 'reads', 'addkey', 'pages', 'usage'] as const;
const only = new Set(args.only ? args.only.split(',') : SECTIONS);
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only takes ${SECTIONS.join(', ')}`);
const PROFILE_DIR = 'bench-results/profile';
// The server runs as `npm start` runs it, with the same V8 flags, read from that script.
const START_FLAGS = (() => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const flags = /\bnode((?: --[\w-]+(?:=\S+)?)*) \.next\/byok-server\/main\.mjs/.exec(start)?.[1];
  if (flags === undefined) throw new Error('npm start no longer runs `node … .next/byok-server/main.mjs`; update the benchmark');
  return flags.trim().split(' ').filter(Boolean);
})();
const IDLE_SECONDS = Number(args['idle-seconds']);
const QUICK = args.quick;
// Free ports, so a benchmark never collides with anything else listening here.
const [PORT, FAKE_PORT, GATEWAY_PORT] = freePortsSync(3) as [number, number, number];
const BASE = `http://127.0.0.1:${PORT}`;
const WORKSPACES = QUICK ? 100 : 1000;
const KEYS_PER_WS = 5;
const MODELS_PER_KEY = 50;
const PASSWORD = 'bench-password';
const EMAIL = 'bench@bench.test';


// ---------------------------------------------------------------- setup

async function prepareDatabase(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const dataDir = join(os.tmpdir(), `byok-bench-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  if (args.db === 'postgres') {
    const created = await createPostgresDatabase(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 'bench');
    return { env: { DATABASE_URL: created.url, DATA_DIR: dataDir }, cleanup: created.drop };
  }
  return { env: { DATABASE_URL: '', DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

async function seed(db: Db): Promise<{ benchWorkspaceId: string }> {
  const userId = newId();
  await db.user.create({ data: { id: userId, email: EMAIL, name: 'Bench', emailVerified: true } });
  await db.account.create({ data: { id: newId(), accountId: userId, providerId: 'credential', userId, password: await hashPassword(PASSWORD) } });
  const now = new Date();
  for (let start = 0; start < WORKSPACES; start += 100) {
    const wsRows = Array.from({ length: Math.min(100, WORKSPACES - start) }, (_, i) => ({ id: newId(), slug: `bench-${start + i}`, name: `Bench ${start + i}`, plan: 'pro', creditBalance: 1_000_000 }));
    await db.workspace.createMany({ data: wsRows });
    await db.membership.createMany({ data: wsRows.map((w) => ({ workspaceId: w.id, userId, role: 'owner' })) });
    const keys = wsRows.flatMap((w) =>
      Array.from({ length: KEYS_PER_WS }, (_, k) => ({
        id: newId(), workspaceId: w.id, provider: ['anthropic', 'openai', 'google', 'xai', 'mistral'][k]!, label: 'primary',
        maskedHint: 'sk-b…ench', fingerprint: new Uint8Array(randomBytes(32)), fpVersion: 1, dekVersion: 1,
        nonce: new Uint8Array(randomBytes(12)), ciphertext: new Uint8Array(randomBytes(64)), tag: new Uint8Array(randomBytes(16)),
        lastOutcome: 'valid', lastValidatedAt: now, modelsRefreshedAt: now, createdById: userId,
      })),
    );
    await db.providerKey.createMany({ data: keys });
    await db.discoveredModel.createMany({
      data: keys.flatMap((k) => Array.from({ length: MODELS_PER_KEY }, (_, m) => ({ keyId: k.id, modelId: `model-${m}`, displayName: `Model ${m}`, refreshedAt: now }))),
    });
  }
  // The workspace the generation and add-key measurements use (its BYOK key is added through the API).
  const bench = await db.workspace.create({ data: { id: newId(), slug: 'bench-live', name: 'Bench live', plan: 'free' } });
  await db.membership.create({ data: { workspaceId: bench.id, userId, role: 'owner' } });
  await setPlan(db, { slug: 'bench-live', plan: 'enterprise' });
  return { benchWorkspaceId: bench.id };
}

function startServer(env: Record<string, string>, port = PORT): ChildProcess {
  // --profile: a V8 CPU profile of the server, written when it exits (open it in Chrome DevTools).
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const v8 = [...START_FLAGS, ...args['server-node-options'].split(/\s+/).filter(Boolean)];
  return spawn(process.execPath, [...v8, ...profile, '.next/byok-server/main.mjs'], {
    env: {
      ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', APP_URL: BASE, LOG_LEVEL: 'warn', NODE_ENV: 'production',
    },
    stdio: ['ignore', args['server-stdout'] ? 'inherit' : 'ignore', 'inherit'],
  });
}

async function waitUp(url = `${BASE}/sign-in`, expected = 200) {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).status === expected) return;
    } catch {
      // not yet
    }
    await sleep(250);
  }
  throw new Error('server did not start');
}

async function signIn(): Promise<string> {
  const r = await fetch(`${BASE}/api/auth/sign-in/email`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: BASE }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!r.ok || !cookie) throw new Error(`sign-in failed: ${r.status}`);
  return cookie;
}

async function trpc(cookie: string, path: string, input: unknown, method: 'GET' | 'POST' = 'GET') {
  const url = method === 'GET' ? `${BASE}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}` : `${BASE}/api/trpc/${path}`;
  const r = await fetch(url, {
    method,
    headers: { cookie, origin: BASE, 'content-type': 'application/json' },
    body: method === 'POST' ? JSON.stringify({ json: input }) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text };
}

// ---------------------------------------------------------------- measurements

/**
 * A run through the app as the Studio makes it: queue it (tRPC), then follow its events (SSE); time to
 * the first script delta and to the `finished` event.
 */
async function streamThroughApp(cookie: string, workspaceId: string, keyId: string) {
  const t0 = performance.now();
  const started = await fetch(`${BASE}/api/trpc/generation.start`, {
    method: 'POST',
    headers: { cookie, origin: BASE, 'content-type': 'application/json' },
    body: JSON.stringify({ json: { workspaceId, prompt: 'bench', choice: { source: 'byok', keyId, modelId: 'claude-haiku-4-5-20251001' }, imageCount: 0 } }),
  });
  const body = (await started.json()) as { result?: { data?: { json?: { runId?: string } } } };
  const runId = body.result?.data?.json?.runId;
  if (!started.ok || !runId) return { ttft: NaN, total: NaN, ok: false };
  const r = await fetch(`${BASE}/api/workspaces/${workspaceId}/runs/${runId}/events`, { headers: { cookie } });
  const { ttft, total, text } = await timeStream(r, t0, '"type":"delta"');
  return { ttft, total, ok: r.ok && text.includes('"status":"succeeded"') };
}

/** The same request sent straight to the fake provider. */
async function streamDirect(baseUrl: string, key: string) {
  const t0 = performance.now();
  const r = await fetch(`${baseUrl}/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5-20251001', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'bench' }] }),
  });
  const { ttft, total, text } = await timeStream(r, t0, 'text_delta');
  return { ttft, total, ok: r.ok && text.includes('message_stop') };
}

type Pair = { app: { ttft: number[]; total: number[]; errors: number }; direct: { ttft: number[]; total: number[]; errors: number } };
const newPair = (): Pair => ({ app: { ttft: [], total: [], errors: 0 }, direct: { ttft: [], total: [], errors: 0 } });
function add(side: Pair['app'], r: { ttft: number; total: number; ok: boolean }) {
  if (!r.ok) side.errors++;
  else {
    side.ttft.push(r.ttft);
    side.total.push(r.total);
  }
}

// Stream pacing of the fake provider. Short streams for the per-request figures (concurrency 1 and the
// burst); for the steady load, the fakes' default pacing, like a fast model (about one second a stream),
// so that 50 concurrent streams are about 48 runs a second rather than a rate no real workload makes.
const SHORT_STREAMS = { firstByteMs: 50, chunkIntervalMs: 2, chunks: 20 };
const MODEL_LIKE_STREAMS = { firstByteMs: 50, chunkIntervalMs: 40, chunks: 24 };

async function setPacing(fakeUrl: string, pacing: typeof SHORT_STREAMS) {
  const r = await fetch(`${fakeUrl}/__fake/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pacing) });
  if (!r.ok) throw new Error(`the fake providers refused the pacing: ${r.status}`);
}

type StreamResult = { ttft: number; total: number; ok: boolean };

/**
 * `concurrency` clients, each starting its next stream as soon as the last one ends (so that many are
 * always open), started evenly over `staggerMs` so the load is steady rather than a burst. Streams
 * started during the warm-up are not recorded.
 */
async function steadyStreams(concurrency: number, seconds: number, staggerMs: number, stream: () => Promise<StreamResult>) {
  const side: Pair['app'] = { ttft: [], total: [], errors: 0 };
  let runs = 0;
  const warmEnd = performance.now() + staggerMs + 2000;
  const end = warmEnd + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const begun = performance.now();
      const r = await stream().catch(() => ({ ttft: NaN, total: NaN, ok: false }));
      runs++;
      if (begun >= warmEnd && begun < end) add(side, r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => sleep((i * staggerMs) / concurrency).then(client)));
  return { ...side, runs, runsPerSecond: round((side.ttft.length + side.errors) / seconds) };
}

async function generationOverhead(cookie: string, workspaceId: string, keyId: string, key: string, anthropicBase: string, fakeUrl: string, serverPid: number) {
  await setPacing(fakeUrl, SHORT_STREAMS);
  const serial = newPair();
  // Concurrency 1: each round sends the request directly and then through the app; the added time is
  // the per-round difference, so a slow moment of the machine hits both sides of one sample.
  const added = { ttft: [] as number[], total: [] as number[] };
  const rounds = QUICK ? 10 : 40;
  for (let i = 0; i < 3; i++) await streamThroughApp(cookie, workspaceId, keyId); // warm-up
  for (let i = 0; i < rounds; i++) {
    const d = await streamDirect(anthropicBase, key);
    const a = await streamThroughApp(cookie, workspaceId, keyId);
    add(serial.direct, d);
    add(serial.app, a);
    if (d.ok && a.ok) {
      added.ttft.push(a.ttft - d.ttft);
      added.total.push(a.total - d.total);
    }
  }
  // A burst: a wave of 50 streams started at once, direct, then through the app; the added time is the
  // difference of the two distributions' percentiles (the app's 50 starts queue on its thread).
  const loaded = newPair();
  const waves = QUICK ? 2 : 5;
  for (let w = 0; w < waves; w++) {
    const direct = await Promise.all(Array.from({ length: 50 }, () => streamDirect(anthropicBase, key)));
    direct.forEach((r) => add(loaded.direct, r));
    const app = await Promise.all(Array.from({ length: 50 }, () => streamThroughApp(cookie, workspaceId, keyId)));
    app.forEach((r) => add(loaded.app, r));
  }
  const sides = (p: Pair, f: 'ttft' | 'total') => ({ app: stats(p.app[f], p.app.errors), direct: stats(p.direct[f], p.direct.errors) });
  const paired = (f: 'ttft' | 'total') => {
    const s = stats(added[f]);
    return { ...sides(serial, f), added: { p50: round(s.p50), p99: round(s.p99), max: round(s.max) } };
  };
  const diff = (p: Pair, f: 'ttft' | 'total') => {
    const { app: a, direct: d } = sides(p, f);
    return { app: a, direct: d, added: { p50: round(a.p50 - d.p50), p99: round(a.p99 - d.p99), max: round(a.max - d.max) } };
  };
  // Steady: 50 streams always open, direct and then through the app, compared the same way.
  await setPacing(fakeUrl, MODEL_LIKE_STREAMS);
  const streamMs = MODEL_LIKE_STREAMS.firstByteMs + MODEL_LIKE_STREAMS.chunks * MODEL_LIKE_STREAMS.chunkIntervalMs;
  const seconds = QUICK ? 6 : 20;
  const steadyDirect = await steadyStreams(50, seconds, streamMs, () => streamDirect(anthropicBase, key));
  // The server's CPU per run under that load: steadier from one machine to another than the latencies.
  const cpuBefore = cpuMs(serverPid);
  const steadyApp = await steadyStreams(50, seconds, streamMs, () => streamThroughApp(cookie, workspaceId, keyId));
  const cpuPerRunMs = round((cpuMs(serverPid) - cpuBefore) / steadyApp.runs);
  await setPacing(fakeUrl, SHORT_STREAMS);
  const steady: Pair = { app: steadyApp, direct: steadyDirect };
  return {
    concurrency1: { ttft: paired('ttft'), total: paired('total') },
    concurrency50: { ttft: diff(loaded, 'ttft'), total: diff(loaded, 'total') },
    steady50: { pacing: MODEL_LIKE_STREAMS, cpuPerRunMs, runsPerSecond: { app: steadyApp.runsPerSecond, direct: steadyDirect.runsPerSecond }, ttft: diff(steady, 'ttft'), total: diff(steady, 'total') },
  };
}

/**
 * The Studio run path open-loop (issue 18): runs started at a fixed rate whatever the answers, for 10, 25
 * and 50 runs a second; the time to the first script delta beside the provider's own (measured direct at
 * the same pacing), and the server's CPU per run (web and worker are one process here) from /proc.
 */
async function openLoopRuns(cookie: string, workspaceId: string, keyId: string, key: string, anthropicBase: string, fakeUrl: string, serverPid: number) {
  await setPacing(fakeUrl, SHORT_STREAMS);
  const seconds = QUICK ? 4 : 10;
  const direct: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 30); i++) {
    const d = await streamDirect(anthropicBase, key);
    if (d.ok) direct.push(d.ttft);
  }
  const directP50 = stats(direct).p50;
  const out: Record<string, unknown> = { directTtftP50: round(directP50) };
  for (const rate of [10, 25, 50]) {
    const results: StreamResult[] = [];
    const cpuBefore = cpuMs(serverPid);
    const t0 = performance.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const at = t0 + (i * 1000) / rate;
      await sleep(Math.max(0, at - performance.now()));
      all.push(streamThroughApp(cookie, workspaceId, keyId).catch(() => ({ ttft: NaN, total: NaN, ok: false })).then((r) => void results.push(r)));
    }
    await Promise.all(all);
    const cpuPerRunMs = round((cpuMs(serverPid) - cpuBefore) / results.length);
    const ok = results.filter((r) => r.ok);
    const t = stats(ok.map((r) => r.ttft), results.length - ok.length);
    out[`${rate}/s`] = { runs: results.length, errors: results.length - ok.length, ttftAdded: { p50: round(t.p50 - directP50), p99: round(t.p99 - directP50) }, cpuPerRunMs };
    await sleep(1000);
  }
  return out;
}

// The read load goes through node:http with keep-alive, the lightest client Node has, rather than fetch:
// the load generator shares the machine's two cores with the server and the database.
const readAgent = new http.Agent({ keepAlive: true });
function readStatus(cookie: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: PORT, path: url, agent: readAgent, headers: { cookie, origin: BASE } }, (res) => {
        res.on('data', () => {}).on('end', () => resolve(res.statusCode ?? 0)).on('error', reject);
      })
      .on('error', reject);
  });
}

const trpcQuery = (path: string, input: unknown) => `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

async function keyAndCatalogReads(cookie: string, ids: string[], serverPid: number) {
  const seconds = QUICK ? 5 : 15;
  const input = (i: number) => ({ workspaceId: ids[(i * 7919) % ids.length]! });
  // Steady state: each endpoint first runs 2 s at the same rate, unmeasured (JIT, connection pool).
  const measured = async (fire: (i: number) => Promise<number>, expected = 200) => {
    await fixedRate(200, 2, fire, expected);
    const cpuBefore = cpuMs(serverPid);
    const r = await fixedRate(200, seconds, fire, expected);
    return { ...r, cpuPerRequestMs: round((cpuMs(serverPid) - cpuBefore) / (200 * seconds)) };
  };
  return {
    keysList: await measured((i) => readStatus(cookie, trpcQuery('keys.list', input(i)))),
    catalog: await measured((i) => readStatus(cookie, trpcQuery('models.catalog', input(i)))),
    // What this machine allows at the same rate, as a reference for the two above: an /api route that
    // only answers 404, and the keys list without a session, refused by tRPC before any database work.
    floor: {
      notFound: await measured(() => readStatus('', '/api/bench-floor'), 404),
      trpcUnauthorized: await measured((i) => readStatus('', trpcQuery('keys.list', input(i))), 401),
    },
  };
}

async function addKeyOverhead(cookie: string, fakeUrl: string, ids: string[]) {
  const overheads: number[] = [];
  let errors = 0;
  for (let i = 0; i < (QUICK ? 10 : 40); i++) {
    const key = `sk-proj-bench${randomBytes(16).toString('hex')}`;
    const t0 = performance.now();
    const r = await trpc(cookie, 'keys.create', { workspaceId: ids[i % ids.length]!, provider: 'openai', label: `bench-${i}`, apiKey: key }, 'POST');
    const total = performance.now() - t0;
    if (r.status !== 200) {
      errors++;
      continue;
    }
    const { keyFingerprint } = await import('../fake-providers/server');
    const calls = ((await (await fetch(`${fakeUrl}/__fake/requests`)).json()) as { keyFingerprint: string; durationMs: number }[]).filter(
      (c) => c.keyFingerprint === keyFingerprint(key),
    );
    overheads.push(total - calls.reduce((s, c) => s + (c.durationMs ?? 0), 0));
  }
  return stats(overheads, errors);
}

function cryptoOps() {
  const key = randomBytes(32);
  const aad = Buffer.from('pk|v1|ws=bench|prov=openai|id=bench|dek=1');
  const plain = Buffer.from(`sk-proj-${'x'.repeat(156)}`);
  const n = 100_000;
  let t0 = performance.now();
  let sealed = seal(key, plain, aad);
  for (let i = 0; i < n; i++) sealed = seal(key, plain, aad);
  const encryptUs = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (let i = 0; i < n; i++) aeadOpen(key, sealed, aad);
  const decryptUs = ((performance.now() - t0) * 1000) / n;
  return { encryptMicros: round(encryptUs), decryptMicros: round(decryptUs), operations: n };
}

async function pageWeight(cookie: string, path: string) {
  const html = await (await fetch(`${BASE}${path}`, { headers: { cookie } })).text();
  // What a current browser downloads: `noModule` scripts (legacy polyfills) are skipped by it.
  const tags = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"[^>]*>/g)].filter((m) => !/\bnoModule\b/i.test(m[0]));
  const scripts = [...new Set(tags.map((m) => m[1]!))];
  let gzip = 0;
  for (const src of scripts) gzip += gzipSync(Buffer.from(await (await fetch(`${BASE}${src}`)).arrayBuffer())).length;
  return { scripts: scripts.length, gzipKB: round(gzip / 1024) };
}

/**
 * The fake providers run in a process of their own, as a real provider is elsewhere: sharing the load
 * generator's event loop would slow both sides of the comparison, the app's more.
 */
async function startFakeProviderProcess() {
  const url = `http://127.0.0.1:${FAKE_PORT}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'fake-providers/cli.ts'], {
    env: {
      ...process.env, FAKE_PROVIDERS_PORT: String(FAKE_PORT), FAKE_FIRST_BYTE_MS: String(SHORT_STREAMS.firstByteMs),
      FAKE_CHUNK_INTERVAL_MS: String(SHORT_STREAMS.chunkIntervalMs), FAKE_CHUNKS: String(SHORT_STREAMS.chunks),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 120; i++) {
    if (await fetch(`${url}/__fake/health`).then((r) => r.ok, () => false)) break;
    await sleep(250);
  }
  const baseUrls = Object.fromEntries(Object.entries(PREFIXES).map(([p, prefix]) => [p, url + prefix])) as Record<keyof typeof PREFIXES, string>;
  return { url, baseUrls, process: child };
}

// ---------------------------------------------------------------- main

async function main() {
  console.log(`Benchmark on ${args.db}${QUICK ? ' (quick)' : ''}: building…`);
  // The usage figure is a database figure, measured in this process: alone, it needs no build and no server.
  const usageOnly = only.size === 1 && only.has('usage');
  if (!args['no-build'] && !usageOnly) execSync('npm run --silent build', { stdio: ['ignore', 'ignore', 'inherit'] });
  const fp = await startFakeProviderProcess();
  const { env: dbEnv, cleanup } = await prepareDatabase();
  const env = {
    ...dbEnv,
    ...fakeProviderEnv(fp),
    PLATFORM_OPENAI_API_KEY: 'sk-bench-platform-openai',
    PLATFORM_ANTHROPIC_API_KEY: 'sk-ant-bench-platform',
    // The gateway's limits per instance are for real traffic, not for a benchmark's steady load.
    GATEWAY_TOKEN_RATE_LIMIT: '1000000',
    GATEWAY_ADDRESS_RATE_LIMIT: '1000000',
    AUTH_SIGN_IN_RATE_LIMIT: '1000',
    // One bench workspace runs the open-loop load.
    RUNS_PER_WORKSPACE: '100000',
    // …as one user, whose open-loop runs each hold an event stream at once.
    SSE_MAX_PER_USER: '100000',
  };
  Object.assign(process.env, env);
  console.log(`Seeding ${WORKSPACES} workspaces × ${KEYS_PER_WS} keys × ${MODELS_PER_KEY} models…`);
  const seeded = await openMigrated(resolveDbTarget(loadServerEnv()), { migratePostgres: true });
  const t0 = performance.now();
  const { benchWorkspaceId } = await seed(seeded.db);
  const seedSeconds = round((performance.now() - t0) / 1000);
  let usage: UsageBench | null = null;
  if (only.has('usage')) {
    console.log(`Usage: seeding ${QUICK ? '100k' : '1M'} gateway calls for one workspace and timing the report…`);
    usage = await usageBench(seeded.db, benchWorkspaceId, QUICK);
  }
  if (usageOnly) {
    await seeded.close();
    fp.process.kill('SIGTERM');
    await cleanup();
    console.log('');
    for (const [name, value, target, ok] of usageRows(usage!)) console.log(`${name.padEnd(64)} ${value.padEnd(24)} ${target.padEnd(12)} ${ok === null ? '' : ok ? 'met' : 'MISSED'}`);
    return;
  }
  // Settle the bulk load (statistics, visibility map) so autovacuum does not run during the measurements.
  await seeded.db.$executeRawUnsafe('VACUUM ANALYZE');
  await seeded.close();

  const server = startServer(env);
  // On PostgreSQL, the gateway is also measured in a gateway-only process (APP_ROLE=gateway) beside the
  // whole app, which keeps serving the set-up (sign-in, tokens, keys). The embedded database is one process's.
  const gatewayServer = args.db === 'postgres' && only.has('gateway') ? startServer({ ...env, APP_ROLE: 'gateway' }, GATEWAY_PORT) : null;
  const gatewayRoleBase = `http://127.0.0.1:${GATEWAY_PORT}`;
  let report: Record<string, unknown> = {};
  try {
    await waitUp();
    // A gateway path it does not serve: 404 once it listens.
    if (gatewayServer) await waitUp(`${gatewayRoleBase}/api/gateway/none/x`, 404);
    const cookie = await signIn();
    const byokKey = `sk-ant-api03-bench${randomBytes(20).toString('hex')}`;
    const created = await trpc(cookie, 'keys.create', { workspaceId: benchWorkspaceId, provider: 'anthropic', label: 'primary', apiKey: byokKey }, 'POST');
    if (!created.body.includes('"result"')) throw new Error(`adding the bench key failed: ${created.status} ${created.body.slice(0, 300)}`);
    const keyId = (JSON.parse(created.body) as { result: { data: { json: { key: { id: string } } } } }).result.data.json.key.id;

    const ids = await seededWorkspaceIds(cookie);

    const section = async <T>(name: (typeof SECTIONS)[number], label: string, run: () => Promise<T>): Promise<T | null> => {
      if (!only.has(name)) return null;
      console.log(label);
      return run();
    };
    const generation = await section('generation', 'Generation overhead…', () => generationOverhead(cookie, benchWorkspaceId, keyId, byokKey, fp.baseUrls.anthropic, fp.url, server.pid!));
    const runsOpenLoop = await section('runs', 'Studio runs open-loop at 10, 25 and 50 runs/s…', () => openLoopRuns(cookie, benchWorkspaceId, keyId, byokKey, fp.baseUrls.anthropic, fp.url, server.pid!));
    if (runsOpenLoop) console.log(`Studio runs open-loop: ${JSON.stringify(runsOpenLoop)}`);
    const gateway = await section('gateway', 'Gateway overhead, beside Portkey’s…', () =>
      gatewayOverhead({ base: BASE, fakeUrl: fp.url, serverPid: server.pid!, gatewayRole: gatewayServer ? { base: gatewayRoleBase, pid: gatewayServer.pid! } : null, quick: QUICK, workspaceId: benchWorkspaceId, trpc: (path, input, method) => trpc(cookie, path, input, method) }),
    );
    const reads = await section('reads', 'Key and catalog reads at 200 req/s…', () => keyAndCatalogReads(cookie, ids, server.pid!));
    const addKey = await section('addkey', 'Add-key overhead…', () => addKeyOverhead(cookie, fp.url, ids.slice(0, 40)));
    const crypto = cryptoOps();
    const slug = 'bench-live';
    const pages = await section('pages', 'Page weight…', async () => ({
      contentStudio: await pageWeight(cookie, `/w/${slug}/studio`),
      apiKeys: await pageWeight(cookie, `/w/${slug}/settings/api-keys`),
      // The other pages of the sidebar, under the same budget.
      models: await pageWeight(cookie, `/w/${slug}/settings/models`),
      runs: await pageWeight(cookie, `/w/${slug}/runs`),
      developers: await pageWeight(cookie, `/w/${slug}/settings/developers`),
      plan: await pageWeight(cookie, `/w/${slug}/settings/plan`),
      usage: await pageWeight(cookie, `/w/${slug}/settings/usage`),
      account: await pageWeight(cookie, '/account'),
    }));
    // Right after the load, and once the server has been idle for a while (V8 returns memory to the
    // system only when the allocation rate drops); the target applies to the first.
    console.log('Memory…');
    const rssAfterLoad = rssMB(server.pid!);
    await sleep(IDLE_SECONDS * 1000);
    const memory = { rssMB: rssAfterLoad, rssAfterIdleMB: rssMB(server.pid!), idleSeconds: IDLE_SECONDS };

    report = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGB: round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
      versions: { node: process.version, next: pkg('next'), prisma: pkg('@prisma/client'), ai: pkg('ai'), trpc: pkg('@trpc/server') },
      settings: { db: args.db, quick: QUICK, workspaces: WORKSPACES, keysPerWorkspace: KEYS_PER_WS, modelsPerKey: MODELS_PER_KEY, providerPacing: { short: SHORT_STREAMS, steady: MODEL_LIKE_STREAMS }, seedSeconds, serverNodeOptions: [...START_FLAGS, args['server-node-options']].join(' ').trim() },
      generation, runsOpenLoop, gateway, reads, addKey, crypto, pages, memory, usage,
    };
    printTable(report);
  } finally {
    server.kill('SIGTERM');
    gatewayServer?.kill('SIGTERM');
    fp.process.kill('SIGTERM');
    await sleep(args.profile ? 5000 : 500);
    await cleanup();
  }
  if (args.profile) console.log(`CPU profile(s) of the server in ${PROFILE_DIR}/`);
  mkdirSync('bench-results', { recursive: true });
  const file = join('bench-results', `bench-${args.db}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nReport: ${file}`);
}

/** The seeded workspaces, learned through the app's own API (an embedded database is single-process). */
async function seededWorkspaceIds(cookie: string): Promise<string[]> {
  const r = await trpc(cookie, 'workspace.list', undefined);
  const list = (JSON.parse(r.body) as { result: { data: { json: { id: string; slug: string }[] } } }).result.data.json;
  return list.filter((w) => w.slug.startsWith('bench-') && w.slug !== 'bench-live').map((w) => w.id);
}

function pkg(name: string): string {
  return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
}

function printTable(r: Record<string, unknown>) {
  const g = r.generation as Awaited<ReturnType<typeof generationOverhead>> | null;
  const reads = r.reads as Awaited<ReturnType<typeof keyAndCatalogReads>> | null;
  const gateway = r.gateway as Awaited<ReturnType<typeof gatewayOverhead>> | null;
  const addKey = r.addKey as Stats | null;
  const pages = r.pages as Record<string, { gzipKB: number }> | null;
  const { rssMB: mem, rssAfterIdleMB } = r.memory as { rssMB: number; rssAfterIdleMB: number };
  const c = r.crypto as { encryptMicros: number; decryptMicros: number };
  const rows: [string, string, string, boolean | null][] = [
    ...(g ? generationRows(g) : []),
    ...(gateway ? gatewayRows(gateway) : []),
    ...(reads ? readRows(reads) : []),
    ...(addKey ? [['Add key beyond the probe (p50/p99/max ms)', `${fmt(addKey)} · ${addKey.errors} err`, 'p50 ≤ 20', addKey.p50 <= 20] as Row] : []),
    ['Encrypt / decrypt per op (µs)', `${c.encryptMicros} / ${c.decryptMicros}`, '—', null],
    ...(pages ? pageRows(pages) : []),
    ...(r.usage ? usageRows(r.usage as UsageBench) : []),
    ['Server RSS after load (MB)', String(mem), '≤ 300', mem <= 300],
    [`… and after ${IDLE_SECONDS} s idle (MB)`, String(rssAfterIdleMB), '—', null],
  ];
  console.log('');
  for (const [name, value, target, ok] of rows) {
    console.log(`${name.padEnd(54)} ${value.padEnd(30)} ${target.padEnd(28)} ${ok === null ? '' : ok ? 'met' : 'MISSED'}`);
  }
}

type Row = [string, string, string, boolean | null];
type ReadStats = Stats & { failures: Record<string, number>; cpuPerRequestMs: number };

function generationRows(g: Awaited<ReturnType<typeof generationOverhead>>): Row[] {
  const within = (a: { p50: number; p99: number }) => a.p50 <= 2 && a.p99 <= 10;
  const { steady50: s, concurrency50: burst } = g;
  return [
    ['Generation TTFT added, c=1 (p50/p99/max ms)', fmt(g.concurrency1.ttft.added), '—', null],
    ['Generation total added, c=1 (p50/p99/max ms)', fmt(g.concurrency1.total.added), '—', null],
    ['Generation TTFT added, 50 steady (p50/p99/max ms)', fmt(s.ttft.added), 'p50 ≤ 2, p99 ≤ 10, 0 errors', within(s.ttft.added) && s.ttft.app.errors === 0],
    ['Generation total added, 50 steady (p50/p99/max ms)', fmt(s.total.added), 'p50 ≤ 2, p99 ≤ 10', within(s.total.added)],
    ['  runs/s app/direct, errors app/direct, 50 steady', `${s.runsPerSecond.app}/${s.runsPerSecond.direct}, ${s.ttft.app.errors}/${s.ttft.direct.errors}`, '0 errors', s.ttft.app.errors === 0],
    ['  server CPU per run, 50 steady (ms)', String(s.cpuPerRunMs), '—', null],
    ['Generation TTFT added, burst of 50 (p50/p99/max ms)', fmt(burst.ttft.added), 'p50 ≤ 2, p99 ≤ 10, 0 errors', within(burst.ttft.added) && burst.ttft.app.errors === 0],
    ['Generation total added, burst of 50 (p50/p99/max ms)', fmt(burst.total.added), 'p50 ≤ 2, p99 ≤ 10', within(burst.total.added)],
    ['  errors app/direct, burst of 50', `${burst.total.app.errors}/${burst.total.direct.errors}`, '0', burst.total.app.errors === 0],
  ];
}

function readRows(reads: Awaited<ReturnType<typeof keyAndCatalogReads>>): Row[] {
  const value = (r: ReadStats) =>
    `${fmt(r)} · ${r.errors}${r.errors ? ` (${Object.entries(r.failures).map(([k, v]) => `${v}×${k}`).join(', ')})` : ''} · ${r.cpuPerRequestMs} ms CPU`;
  return [
    ['keys.list at 200 req/s (p50/p99/max ms, errors, CPU)', value(reads.keysList), 'p99 ≤ 10', reads.keysList.p99 <= 10 && reads.keysList.errors === 0],
    ['models.catalog at 200 req/s (p50/p99/max ms, errors, CPU)', value(reads.catalog), 'p99 ≤ 10', reads.catalog.p99 <= 10 && reads.catalog.errors === 0],
    ['  floor: /api 404 at 200 req/s (same)', value(reads.floor.notFound), '—', null],
    ['  floor: tRPC 401, no database (same)', value(reads.floor.trpcUnauthorized), '—', null],
  ];
}

function pageRows(pages: Record<string, { gzipKB: number }>): Row[] {
  return [
    ['First-load JS, Content Studio (KB gzip)', String(pages.contentStudio!.gzipKB), '≤ 200', pages.contentStudio!.gzipKB <= 200],
    ['First-load JS, API Keys (KB gzip)', String(pages.apiKeys!.gzipKB), '≤ 200', pages.apiKeys!.gzipKB <= 200],
    ...(['models', 'runs', 'developers', 'plan', 'usage', 'account'] as const)
      .filter((k) => pages[k])
      .map((k): Row => [`First-load JS, ${k} (KB gzip)`, String(pages[k]!.gzipKB), '≤ 200', pages[k]!.gzipKB <= 200]),
  ];
}


main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
