// The server's configuration: one zod schema over process.env, validated once with clear errors.
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
  // Platform (managed) credentials. Never the SDKs' standard names: the AI SDK silently falls back to
  // those, which would bill a BYOK run to the platform.
  PLATFORM_ANTHROPIC_API_KEY: z.string().min(1).optional(),
  PLATFORM_OPENAI_API_KEY: z.string().min(1).optional(),
  PLATFORM_GOOGLE_API_KEY: z.string().min(1).optional(),
  PLATFORM_XAI_API_KEY: z.string().min(1).optional(),
  PLATFORM_MISTRAL_API_KEY: z.string().min(1).optional(),
  // Which platform provider makes Content Studio images (its image model comes from the catalog).
  PLATFORM_IMAGE_PROVIDER: z.enum(['openai', 'google']).default('openai'),
  // A stream that sends nothing for this long is treated as stalled.
  STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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

export function loadServerEnv(source: Record<string, string | undefined> = process.env): ServerEnv {
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
  if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join('\n  ')}`);
  return { ...env, APP_URL: env.APP_URL ?? `http://localhost:${env.PORT}` };
}

let cached: ServerEnv | undefined;
export function serverEnv(): ServerEnv {
  cached ??= loadServerEnv();
  return cached;
}
