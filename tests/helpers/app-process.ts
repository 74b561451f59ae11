// The production server as separate processes, for tests that need what one process cannot show: two
// app instances on one PostgreSQL database (no shared module state, caches or connection pool). Builds
// the app once when the build is older than its sources, starts `.next/byok-server/main.mjs` as
// `npm start` does, waits until it answers, keeps its stdout and stderr for assertions, and stops it by pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTRPCClient, httpBatchStreamLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from '~/server/api/root';
import { freePort } from '../../scripts/lib/free-port';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVER = join(ROOT, '.next/byok-server/main.mjs');
// What `npm run build` reads: a change to any of these makes the build stale.
const BUILD_INPUTS = ['src', 'package.json', 'package-lock.json', 'next.config.mjs', 'postcss.config.mjs', 'tsconfig.json', 'scripts/build-server.mjs'];
// Outside the checkout (`next build` empties .next/), one per checkout.
const LOCK = join(tmpdir(), `byok-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function buildIsFresh(): boolean {
  const built = newestMtime(SERVER);
  if (!built || !newestMtime(join(ROOT, '.next/BUILD_ID'))) return false;
  return BUILD_INPUTS.every((p) => newestMtime(join(ROOT, p)) < built);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `npm run build` unless the build is newer than every source it reads. Test files run in parallel
 * workers: a lock directory makes one of them build while the others wait and then reuse its build.
 */
export async function ensureAppBuilt(): Promise<{ built: boolean }> {
  for (;;) {
    if (buildIsFresh()) return { built: false };
    try {
      mkdirSync(LOCK);
    } catch {
      // Another worker is building; a lock left by a dead process is taken over.
      const owner = Number(readFileSafe(join(LOCK, 'pid')));
      if (owner && !pidAlive(owner)) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      if (buildIsFresh()) return { built: false };
      await build();
      return { built: true };
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

function build(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`npm run build failed (${code}):\n${stderr.slice(-4000)}`))));
  });
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Secrets every instance of one deployment shares (random per call): master key, session and token secret, fingerprint key. */
export function sharedSecretsEnv(): Record<string, string> {
  return {
    MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    MASTER_KEY_PRIMARY: 'k1',
    BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
    FINGERPRINT_KEY: randomBytes(32).toString('base64url'),
  };
}

// The V8 flags `npm start` runs the server with.
function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const flags = /\bnode((?: --[\w-]+(?:=\S+)?)*) \.next\/byok-server\/main\.mjs/.exec(start)?.[1];
  if (flags === undefined) throw new Error('npm start no longer runs `node … .next/byok-server/main.mjs`; update tests/helpers/app-process.ts');
  return flags.trim().split(' ').filter(Boolean);
}

// Variables passed on from the test process: what a process needs to run, and the providers' standard
// variable names, which hold canaries in tests (the app must never read them).
const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'XAI_API_KEY', 'MISTRAL_API_KEY'];

export type AppProcess = {
  name: string;
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Everything the process wrote so far (stdout, then stderr). */
  output(): { stdout: string; stderr: string };
  /** SIGTERM (then SIGKILL after `graceMs`); resolves with the exit code once it has exited. */
  stop(graceMs?: number): Promise<number | null>;
};

const running = new Set<ChildProcess>();
// A worker that dies or ends without stopping its servers must not leave them behind.
process.once('exit', () => {
  for (const child of running) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});

/**
 * Starts one app instance on a free port and resolves when it answers HTTP (a worker-only one,
 * APP_ROLE=worker, serves no HTTP: when its worker has started). `env` is the deployment's
 * configuration (DATABASE_URL, provider base URLs, PLATFORM_* keys, shared secrets…); the port, APP_URL,
 * a data directory of its own and production mode are set here. The database must already be migrated
 * (the server does not migrate PostgreSQL; tests/helpers/db.ts createTestDb does).
 */
export async function startApp(opts: {
  name: string;
  env: Record<string, string>;
  readyTimeoutMs?: number;
  /** What answers once it serves (default: the OpenAPI document, 200; a gateway process serves none). */
  ready?: { path: string; status: number };
}): Promise<AppProcess> {
  if (!buildIsFresh()) throw new Error('The app build is missing or stale: call ensureAppBuilt() first.');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), `byok-app-${opts.name}-`));
  const base = Object.fromEntries(INHERITED.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])));
  const child = spawn(process.execPath, [...startFlags(), SERVER], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'info', ...opts.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', APP_URL: url, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  void exited.then(() => running.delete(child));

  const app: AppProcess = {
    name: opts.name,
    url,
    port,
    pid: child.pid!,
    dataDir,
    output: () => ({ ...out }),
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await app.stop();
      throw new Error(`${opts.name} exited during start-up (${child.exitCode ?? child.signalCode}):\n${out.stderr || out.stdout}`);
    }
    if (opts.env.APP_ROLE === 'worker') {
      if (out.stdout.includes('Run worker started')) return app;
    } else {
      try {
        const ready = opts.ready ?? { path: '/api/openapi.json', status: 200 };
        const r = await fetch(`${url}${ready.path}`, { signal: AbortSignal.timeout(2_000) });
        await r.arrayBuffer();
        if (r.status === ready.status) return app;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`${opts.name} did not answer within ${opts.readyTimeoutMs ?? 60_000} ms:\n${out.stderr || out.stdout}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signs a new user up through an instance (the auth library's own route); returns the session cookie. */
export async function signUpThrough(app: AppProcess, name = 'Instance user'): Promise<{ cookie: string; userId: string; email: string }> {
  const email = `app-${randomBytes(6).toString('hex')}@example.test`;
  const r = await fetch(`${app.url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email, password: 'password-1234', name }),
  });
  if (r.status !== 200) throw new Error(`sign-up through ${app.name} failed: ${r.status} ${await r.text()}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, userId: ((await r.json()) as { user: { id: string } }).user.id, email };
}

/** A tRPC client over HTTP to one instance, as the browser's (streaming batch link, superjson). */
export function trpcThrough(app: AppProcess, cookie: string) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchStreamLink({ url: `${app.url}/api/trpc`, transformer: superjson, headers: { cookie, origin: app.url } })],
  });
}
