import 'server-only';
// Google Secret Manager as the master key source: each version of one secret holds one 32-byte master
// key. Google's client library is used over its REST transport (`fallback: true`), so an endpoint can
// be configured (regional endpoints, and the local fake the tests start). Every call is bounded by a
// timeout and never retried here: a failure reaches the caller as a typed error that names the kind
// and the version, never the payload.
import { randomBytes } from 'node:crypto';
import CRC32C from 'crc-32/crc32c.js';
import { ConfigError } from '~/server/env';

export type SecretManagerConfig = {
  /** `projects/<project>/secrets/<name>` */
  secret: string;
  /** The version that wraps new data keys; `latest` only outside production (resolved once at start). */
  version: number | 'latest';
  endpoint?: { protocol: 'http' | 'https'; host: string; port: number };
  timeoutMs: number;
};

const SECRET = /^projects\/[a-z0-9][a-z0-9-]{0,62}\/secrets\/[A-Za-z0-9_-]{1,255}$/;
const VERSION_NUMBER = /^[1-9][0-9]{0,8}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Secret Manager settings, or undefined when MASTER_KEY_SECRET is not set. */
export function secretManagerConfig(
  env: Record<string, string | undefined>,
  appEnv: 'local' | 'production',
): SecretManagerConfig | undefined {
  const secret = env.MASTER_KEY_SECRET;
  if (!secret) return undefined;
  if (!SECRET.test(secret)) throw new ConfigError('MASTER_KEY_SECRET must look like projects/<project>/secrets/<name>.');

  const raw = env.MASTER_KEY_SECRET_VERSION ?? '';
  let version: SecretManagerConfig['version'];
  if (VERSION_NUMBER.test(raw)) version = Number(raw);
  else if (appEnv === 'production') {
    throw new ConfigError('MASTER_KEY_SECRET_VERSION must pin a version number when APP_ENV=production (never "latest").');
  } else if (raw === '' || raw === 'latest') version = 'latest';
  else throw new ConfigError('MASTER_KEY_SECRET_VERSION must be a version number.');

  let endpoint: SecretManagerConfig['endpoint'];
  if (env.SECRET_MANAGER_ENDPOINT) {
    let url: URL;
    try {
      url = new URL(env.SECRET_MANAGER_ENDPOINT);
    } catch {
      throw new ConfigError('SECRET_MANAGER_ENDPOINT must be a URL such as https://secretmanager.europe-west1.rep.googleapis.com.');
    }
    const protocol = url.protocol.slice(0, -1);
    if ((protocol !== 'http' && protocol !== 'https') || (url.pathname !== '/' && url.pathname !== '')) {
      throw new ConfigError('SECRET_MANAGER_ENDPOINT must be an http(s) origin without a path.');
    }
    // Plain HTTP carries no credentials and is only for a local emulator.
    if (protocol === 'http' && (!LOOPBACK.has(url.hostname) || appEnv === 'production')) {
      throw new ConfigError('SECRET_MANAGER_ENDPOINT may use http only for a loopback emulator outside production.');
    }
    endpoint = { protocol, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (protocol === 'https' ? 443 : 80)) };
  }

  const timeoutMs = Number(env.SECRET_MANAGER_TIMEOUT_MS ?? 5000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 60_000) {
    throw new ConfigError('SECRET_MANAGER_TIMEOUT_MS must be a whole number of milliseconds between 50 and 60000.');
  }
  return { secret, version, endpoint, timeoutMs };
}

export type SecretAccessErrorKind = 'timeout' | 'permission_denied' | 'not_found' | 'disabled' | 'unavailable' | 'malformed';

/** Carries the kind and the version only: never the payload, never the library's message. */
export class SecretAccessError extends Error {
  override name = 'SecretAccessError';
  constructor(
    readonly kind: SecretAccessErrorKind,
    readonly version: string,
  ) {
    super(`Secret Manager ${kind.replace('_', ' ')} for master key version ${version}`);
  }
}

// gRPC status codes, as Google's client reports them on both transports.
// The library reports a refusal as a gRPC status code (google-gax errors) or, over its REST transport,
// as an HTTP error whose JSON body names the same status: read either.
const KIND_BY_STATUS: Record<string, SecretAccessErrorKind> = {
  DEADLINE_EXCEEDED: 'timeout',
  NOT_FOUND: 'not_found',
  PERMISSION_DENIED: 'permission_denied',
  UNAUTHENTICATED: 'permission_denied',
  FAILED_PRECONDITION: 'disabled',
};
const KIND_BY_GRPC_CODE: Record<number, SecretAccessErrorKind> = { 4: 'timeout', 5: 'not_found', 7: 'permission_denied', 16: 'permission_denied', 9: 'disabled' };
const KIND_BY_HTTP_STATUS: Record<number, SecretAccessErrorKind> = { 401: 'permission_denied', 403: 'permission_denied', 404: 'not_found', 504: 'timeout' };

function restStatus(data: unknown): unknown {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return (body as { error?: { status?: unknown } } | null)?.error?.status;
}

function kindOf(e: unknown): SecretAccessErrorKind {
  const err = e as { code?: unknown; status?: unknown; message?: unknown; response?: { data?: unknown } };
  // The REST error's body, parsed by the library, or only in its message (it holds the service's JSON,
  // never key material: a refused request returns none).
  const status = restStatus(err?.response?.data) ?? restStatus(err?.message);
  const byStatus = typeof status === 'string' ? KIND_BY_STATUS[status] : undefined;
  if (byStatus) return byStatus;
  const byHttp = typeof err?.status === 'number' ? KIND_BY_HTTP_STATUS[err.status] : undefined;
  if (byHttp) return byHttp;
  if (typeof err?.code === 'number') return KIND_BY_GRPC_CODE[err.code] ?? KIND_BY_HTTP_STATUS[err.code] ?? 'unavailable';
  return 'unavailable';
}

export type MasterKeySecret = {
  /** Reads one version (or resolves `latest`) and checks it is exactly 32 bytes with a matching CRC32C. */
  access(version: number | 'latest'): Promise<{ version: number; key: Buffer }>;
  /** Adds a new version holding fresh random key bytes; returns its number. */
  addVersion(): Promise<number>;
  /** Version numbers that are enabled (can still be read). */
  enabledVersions(): Promise<number[]>;
  disableVersion(version: number): Promise<void>;
  close(): Promise<void>;
};

const lastSegmentNumber = (name: string | null | undefined) => Number(/\/versions\/([0-9]+)$/.exec(name ?? '')?.[1] ?? NaN);

export async function openMasterKeySecret(cfg: SecretManagerConfig): Promise<MasterKeySecret> {
  // Loaded only when this source is configured: the library and its protobuf definitions are large.
  const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
  const { PassThroughClient } = await import('google-auth-library');
  const client = new SecretManagerServiceClient({
    fallback: true,
    ...(cfg.endpoint && { apiEndpoint: cfg.endpoint.host, port: cfg.endpoint.port, protocol: cfg.endpoint.protocol }),
    // A loopback emulator takes no credentials; anything else uses Application Default Credentials.
    ...(cfg.endpoint?.protocol === 'http' && { authClient: new PassThroughClient() }),
  });

  async function call<T>(version: string, run: (options: { timeout: number; maxRetries: number }) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SecretAccessError('timeout', version)), cfg.timeoutMs + 250);
    });
    try {
      // The library's own deadline comes first; the outer one bounds its authentication step too.
      return await Promise.race([run({ timeout: cfg.timeoutMs, maxRetries: 0 }), deadline]);
    } catch (e) {
      if (e instanceof SecretAccessError) throw e;
      throw new SecretAccessError(kindOf(e), version);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async access(version) {
      const label = String(version);
      const [res] = await call(label, (o) => client.accessSecretVersion({ name: `${cfg.secret}/versions/${version}` }, o));
      const number = lastSegmentNumber(res.name);
      const data = res.payload?.data;
      const key = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data ?? new Uint8Array());
      const crc = res.payload?.dataCrc32c;
      const crcOk = crc === null || crc === undefined || BigInt(String(crc)) === BigInt(CRC32C.buf(key) >>> 0);
      if (!Number.isInteger(number) || key.length !== 32 || !crcOk) {
        key.fill(0);
        throw new SecretAccessError('malformed', label);
      }
      return { version: number, key };
    },
    async addVersion() {
      const key = randomBytes(32);
      try {
        const [res] = await call('new', (o) =>
          client.addSecretVersion({ parent: cfg.secret, payload: { data: key, dataCrc32c: CRC32C.buf(key) >>> 0 } }, o),
        );
        const number = lastSegmentNumber(res.name);
        if (!Number.isInteger(number)) throw new SecretAccessError('malformed', 'new');
        return number;
      } finally {
        key.fill(0);
      }
    },
    async enabledVersions() {
      const [versions] = await call('list', (o) => client.listSecretVersions({ parent: cfg.secret, filter: 'state:ENABLED' }, o));
      return versions.filter((v) => v.state === 'ENABLED').map((v) => lastSegmentNumber(v.name)).filter(Number.isInteger);
    },
    async disableVersion(version) {
      await call(String(version), (o) => client.disableSecretVersion({ name: `${cfg.secret}/versions/${version}` }, o));
    },
    close: () => client.close(),
  };
}
