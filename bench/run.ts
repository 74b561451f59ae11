// `npm run bench [-- --db postgres] [-- --quick]`: what this app adds on top of the providers, measured.
// Starts the production build and the fake providers on loopback, seeds 1,000 workspaces × 5 keys × 50
// models, runs the measurements, prints a table against the targets and writes a JSON report to
// bench-results/. Nothing here is a timed test: the figures are reported, never asserted.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fakeProviderEnv } from '../fake-providers/server';
import { resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { loadServerEnv } from '~/server/env';
import { args, BASE, GATEWAY_PORT, IDLE_SECONDS, KEYS_PER_WS, MODELS_PER_KEY, only, PROFILE_DIR, QUICK, type SECTIONS, START_FLAGS, WORKSPACES } from './config';
import { gatewayOverhead, gatewayRows } from './gateway';
import { fmt, type Row, round, rssMB, sleep, type Stats } from './lib';
import { addKeyOverhead, cryptoOps, keyAndCatalogReads, pageRows, pageWeight, readRows } from './reads';
import { pkg, prepareDatabase, seed, seededWorkspaceIds, signIn, startFakeProviderProcess, startServer, trpc, waitUp } from './setup';
import { generationOverhead, generationRows, MODEL_LIKE_STREAMS, openLoopRuns, runsRows, SHORT_STREAMS } from './studio';
import { type UsageBench, usageBench, usageRows } from './usage';

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
    ...(r.runsOpenLoop ? runsRows(r.runsOpenLoop as Awaited<ReturnType<typeof openLoopRuns>>) : []),
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

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
