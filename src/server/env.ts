import 'server-only';
// The server's configuration: one zod schema over process.env, validated once with clear errors. Every
// read of the environment is in this module (tests/unit/architecture.test.ts holds the rest of src to it).
// Provider keys under the SDKs' standard names (OPENAI_API_KEY …) are deliberately never read.
import { isIP } from 'node:net';
import { z } from 'zod';

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
  .optional();

const ServerEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // Deployment mode, set by the operator. `next start` always runs with NODE_ENV=production, also on
  // a laptop; only APP_ENV=production demands explicitly configured secrets instead of local files.
  APP_ENV: z.enum(['local', 'production']).default('local'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  // The interface to listen on; unset: every interface (as `next start`).
  HOST: z.string().min(1).optional(),
  DATABASE_URL: postgresUrl,
  DATA_DIR: z.string().min(1).default('.data'),
  APP_URL: z.url().optional(),
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Provider base URLs, each with its version path (tests and the demo point them at the fakes).
  ANTHROPIC_BASE_URL: z.url().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  GOOGLE_BASE_URL: z.url().optional(),
  XAI_BASE_URL: z.url().optional(),
  MISTRAL_BASE_URL: z.url().optional(),
  // Brave Search (managed only: the gateway's web search on platform credits), without a version path.
  BRAVE_BASE_URL: z.url().optional(),
  // Platform (managed) credentials. Never the SDKs' standard names: the AI SDK silently falls back to
  // those, which would bill a BYOK run to the platform.
  PLATFORM_ANTHROPIC_API_KEY: z.string().min(1).optional(),
  PLATFORM_OPENAI_API_KEY: z.string().min(1).optional(),
  PLATFORM_GOOGLE_API_KEY: z.string().min(1).optional(),
  PLATFORM_XAI_API_KEY: z.string().min(1).optional(),
  PLATFORM_MISTRAL_API_KEY: z.string().min(1).optional(),
  PLATFORM_BRAVE_API_KEY: z.string().min(1).optional(),
  // Gateway limits per instance (calls a minute): per runtime token and per client address.
  GATEWAY_TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  GATEWAY_ADDRESS_RATE_LIMIT: z.coerce.number().int().min(1).default(1200),
  // Which platform provider makes Content Studio images (its image model comes from the catalog).
  PLATFORM_IMAGE_PROVIDER: z.enum(['openai', 'google']).default('openai'),
  // A stream that sends nothing for this long is treated as stalled.
  STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  // What this process does (docs/runs.md): serve pages and the API (web), execute runs and scheduled jobs
  // (worker), or both (all, the default: one process does everything); gateway serves the AI gateway's
  // routes alone, without loading the pages or the rest of the API (docs/gateway.md).
  APP_ROLE: z.enum(['all', 'web', 'worker', 'gateway']).default('all'),
  // How many runs one worker process executes at once.
  RUN_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(20),
  // The most runs one workspace may have queued or running at once: runs share the workers, so one
  // workspace's loop (a run on its own key costs it no credits) must not keep the others waiting.
  RUNS_PER_WORKSPACE: z.coerce.number().int().min(1).default(10),
  // Event streams (SSE) one user may hold open on one instance at once, and one run may have: each holds a
  // socket and a timer, so without a cap one token could open streams until the server runs out of them.
  SSE_MAX_PER_USER: z.coerce.number().int().min(1).default(20),
  SSE_MAX_PER_RUN: z.coerce.number().int().min(1).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Sign-in and sign-up attempts per client address and minute (the auth library's own limiter).
  AUTH_SIGN_IN_RATE_LIMIT: z.coerce.number().int().min(1).default(20),
  // Reverse proxies in front of the app (IPs or CIDRs, comma-separated). Unset: the connecting address is
  // the client, and a client's own X-Forwarded-For is ignored (it could dodge the sign-in rate limit).
  // A file holding the MASTER_KEYS value (k1:<base64>,…), read once at start (src/server/vault/keyring.ts):
  // unlike the variable, its content never enters the process's environment.
  MASTER_KEYS_FILE: z.string().min(1).optional(),
  TRUSTED_PROXIES: z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every((x) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(x) && isIP(x.split('/')[0]!) !== 0), 'must be IP addresses or CIDR ranges, comma-separated')
    .optional(),
});

export type ServerEnv = z.infer<typeof ServerEnv> & { APP_URL: string };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadServerEnv(source: Record<string, string | undefined> = processEnv()): ServerEnv {
  const empty = Object.fromEntries(Object.entries(source).filter(([, v]) => v === ''));
  const parsed = ServerEnv.safeParse({ ...source, ...Object.fromEntries(Object.keys(empty).map((k) => [k, undefined])) });
  if (!parsed.success) {
    // Names and reasons only: values may be secrets.
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const missing: string[] = [];
  if (env.APP_ENV === 'production') {
    if (!env.BETTER_AUTH_SECRET) missing.push('BETTER_AUTH_SECRET: required when APP_ENV=production');
    if (!env.APP_URL) missing.push('APP_URL: required when APP_ENV=production');
  }
  // The embedded database is one process's: a gateway process serves beside web instances on PostgreSQL.
  if (env.APP_ROLE === 'gateway' && !env.DATABASE_URL) missing.push('APP_ROLE: gateway requires DATABASE_URL (PostgreSQL)');
  if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join('\n  ')}`);
  return { ...env, APP_URL: env.APP_URL ?? `http://localhost:${env.PORT}` };
}

let cached: ServerEnv | undefined;
export function serverEnv(): ServerEnv {
  cached ??= loadServerEnv();
  return cached;
}

/** Reads the environment again at the next serverEnv() call: for tests that change it between cases. */
export function resetServerEnv(): void {
  cached = undefined;
}

// The few reads below happen before (or without) the whole configuration: each says why.

/**
 * Production mode, read on its own: the tRPC instance decides it when its module loads, before a test or
 * script has set the rest of the environment, and must not fail on it.
 */
export function isProductionRuntime(): boolean {
  return process.env.NODE_ENV === 'production';
}

/**
 * The logger's level and file. The logger is made when its module loads (every module logs through it),
 * so it cannot wait for the whole configuration, nor fail on an unrelated variable.
 */
export function logSettings(): { level: string; file: string | undefined } {
  return { level: process.env.LOG_LEVEL ?? 'info', file: process.env.LOG_FILE || undefined };
}

/**
 * The fingerprint secret, taken out of the environment once it is read, so environment dumps and child
 * processes do not see it (src/server/vault/fingerprint.ts).
 */
export function takeFingerprintKey(): string | undefined {
  const value = process.env.FINGERPRINT_KEY;
  delete process.env.FINGERPRINT_KEY;
  return value;
}

/**
 * The process's environment itself, for the keyring: it reads variables named by the operator's
 * configuration (a Secret Manager's settings, MASTER_KEYS) and removes the master keys from it.
 */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}
