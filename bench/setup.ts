// The benchmark's setting: the database and its seed, the app's server process, the fake providers'
// process, and the signed-in session the measurements use.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { hashPassword } from 'better-auth/crypto';
import { createPostgresDatabase } from '../scripts/lib/pg-database';
import { PREFIXES } from '../fake-providers/server';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { setPlan } from '~/server/services/workspaces';
import { args, BASE, EMAIL, FAKE_PORT, KEYS_PER_WS, MODELS_PER_KEY, PASSWORD, PORT, PROFILE_DIR, START_FLAGS, WORKSPACES } from './config';
import { sleep } from './lib';
import { SHORT_STREAMS } from './studio';

export async function prepareDatabase(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const dataDir = join(os.tmpdir(), `byok-bench-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  if (args.db === 'postgres') {
    const created = await createPostgresDatabase(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 'bench');
    return { env: { DATABASE_URL: created.url, DATA_DIR: dataDir }, cleanup: created.drop };
  }
  return { env: { DATABASE_URL: '', DATA_DIR: dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

export async function seed(db: Db): Promise<{ benchWorkspaceId: string }> {
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

export function startServer(env: Record<string, string>, port = PORT): ChildProcess {
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

export async function waitUp(url = `${BASE}/sign-in`, expected = 200) {
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

export async function signIn(): Promise<string> {
  const r = await fetch(`${BASE}/api/auth/sign-in/email`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: BASE }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!r.ok || !cookie) throw new Error(`sign-in failed: ${r.status}`);
  return cookie;
}

export async function trpc(cookie: string, path: string, input: unknown, method: 'GET' | 'POST' = 'GET') {
  const url = method === 'GET' ? `${BASE}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}` : `${BASE}/api/trpc/${path}`;
  const r = await fetch(url, {
    method,
    headers: { cookie, origin: BASE, 'content-type': 'application/json' },
    body: method === 'POST' ? JSON.stringify({ json: input }) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text };
}

/**
 * The fake providers run in a process of their own, as a real provider is elsewhere: sharing the load
 * generator's event loop would slow both sides of the comparison, the app's more.
 */
export async function startFakeProviderProcess() {
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

/** The seeded workspaces, learned through the app's own API (an embedded database is single-process). */
export async function seededWorkspaceIds(cookie: string): Promise<string[]> {
  const r = await trpc(cookie, 'workspace.list', undefined);
  const list = (JSON.parse(r.body) as { result: { data: { json: { id: string; slug: string }[] } } }).result.data.json;
  return list.filter((w) => w.slug.startsWith('bench-') && w.slug !== 'bench-live').map((w) => w.id);
}

export function pkg(name: string): string {
  return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
}
