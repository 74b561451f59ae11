// Reads at a fixed rate (the keys list, the catalog and two floors), adding a key, sealing and opening
// one, and the pages' first-load JavaScript.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { open as aeadOpen, seal } from '~/server/vault/aead';
import { BASE, PORT, QUICK } from './config';
import { cpuMs, fixedRate, fmt, type Row, round, type Stats, stats } from './lib';
import { trpc } from './setup';

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

export async function keyAndCatalogReads(cookie: string, ids: string[], serverPid: number) {
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

export async function addKeyOverhead(cookie: string, fakeUrl: string, ids: string[]) {
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

export function cryptoOps() {
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

export async function pageWeight(cookie: string, path: string) {
  const html = await (await fetch(`${BASE}${path}`, { headers: { cookie } })).text();
  // What a current browser downloads: `noModule` scripts (legacy polyfills) are skipped by it.
  const tags = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"[^>]*>/g)].filter((m) => !/\bnoModule\b/i.test(m[0]));
  const scripts = [...new Set(tags.map((m) => m[1]!))];
  let gzip = 0;
  for (const src of scripts) gzip += gzipSync(Buffer.from(await (await fetch(`${BASE}${src}`)).arrayBuffer())).length;
  return { scripts: scripts.length, gzipKB: round(gzip / 1024) };
}

type ReadStats = Stats & { failures: Record<string, number>; cpuPerRequestMs: number };

export function readRows(reads: Awaited<ReturnType<typeof keyAndCatalogReads>>): Row[] {
  const value = (r: ReadStats) =>
    `${fmt(r)} · ${r.errors}${r.errors ? ` (${Object.entries(r.failures).map(([k, v]) => `${v}×${k}`).join(', ')})` : ''} · ${r.cpuPerRequestMs} ms CPU`;
  return [
    ['keys.list at 200 req/s (p50/p99/max ms, errors, CPU)', value(reads.keysList), 'p99 ≤ 10', reads.keysList.p99 <= 10 && reads.keysList.errors === 0],
    ['models.catalog at 200 req/s (p50/p99/max ms, errors, CPU)', value(reads.catalog), 'p99 ≤ 10', reads.catalog.p99 <= 10 && reads.catalog.errors === 0],
    ['  floor: /api 404 at 200 req/s (same)', value(reads.floor.notFound), '—', null],
    ['  floor: tRPC 401, no database (same)', value(reads.floor.trpcUnauthorized), '—', null],
  ];
}

export function pageRows(pages: Record<string, { gzipKB: number }>): Row[] {
  return [
    ['First-load JS, Content Studio (KB gzip)', String(pages.contentStudio!.gzipKB), '≤ 200', pages.contentStudio!.gzipKB <= 200],
    ['First-load JS, API Keys (KB gzip)', String(pages.apiKeys!.gzipKB), '≤ 200', pages.apiKeys!.gzipKB <= 200],
    ...(['models', 'runs', 'developers', 'plan', 'usage', 'account'] as const)
      .filter((k) => pages[k])
      .map((k): Row => [`First-load JS, ${k} (KB gzip)`, String(pages[k]!.gzipKB), '≤ 200', pages[k]!.gzipKB <= 200]),
  ];
}
