import 'server-only';
// Master key versions (KEKs). One version encrypts (the primary); the others only decrypt, until
// `npm run admin -- rewrap` has moved every data key off them. Sources:
//  - local (default outside production): ./.data/master-keys.json, created on first start, mode 0600;
//  - env: MASTER_KEYS="k1:<base64 32 bytes>,k2:<…>" with MASTER_KEY_PRIMARY=k2 (read once, then
//    removed from process.env so env dumps and child processes do not see it; the kernel's copy in
//    /proc/<pid>/environ cannot be removed, hence the file variant);
//  - file: MASTER_KEYS_FILE=/run/secrets/master-keys, a file holding the same value (read once at start);
//  - Google Secret Manager: MASTER_KEY_SECRET=projects/<p>/secrets/<name> with a pinned
//    MASTER_KEY_SECRET_VERSION; secret version N is master key version `smN`. Older versions are
//    fetched when a stored data key names one.
// A missing or malformed source stops start-up with a clear error; no key is ever logged. When the
// source cannot be reached, crypto fails closed with a 503 — there is no fallback to another source.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, processEnv, serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { log } from '~/server/log';
import {
  type MasterKeySecret,
  type SecretAccessErrorKind,
  type SecretManagerConfig,
  SecretAccessError,
  openMasterKeySecret,
  secretManagerConfig,
} from '~/server/vault/secret-manager';

export type Keyring = {
  source: 'local' | 'env' | 'secret-manager';
  primary: string;
  keys: Map<string, Buffer>;
  /** Fetches a version that a stored row names and this process does not hold yet. */
  load?: (version: string) => Promise<Buffer | undefined>;
};

/** The master key source could not be read: nothing was decrypted or written. */
export class MasterKeyUnavailable extends AppError {
  constructor(
    readonly kind: SecretAccessErrorKind,
    readonly version: string,
  ) {
    super(
      'SERVICE_UNAVAILABLE',
      'The encryption key service is unavailable, so nothing was read or changed. Try again in a minute.',
      'master_key_unavailable',
    );
  }
}

const VERSION = /^k[0-9]{1,6}$/;

function decodeKey(version: string, b64: string): Buffer {
  if (!VERSION.test(version)) throw new ConfigError(`Master key version names look like k1, k2, …`);
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
    throw new ConfigError(`Master key ${version} must be exactly 32 bytes, base64-encoded.`);
  }
  return key;
}

function build(source: Keyring['source'], primary: string, entries: [string, string][]): Keyring {
  if (entries.length === 0) throw new ConfigError('No master key configured.');
  const keys = new Map(entries.map(([v, k]) => [v, decodeKey(v, k)]));
  if (!keys.has(primary)) throw new ConfigError(`The primary master key version ${primary.slice(0, 10)} is not configured.`);
  return { source, primary, keys };
}

type LocalFile = { primary: string; keys: Record<string, string> };

export function localKeyringPath(dataDir: string): string {
  return join(dataDir, 'master-keys.json');
}

function readLocal(dataDir: string, create: boolean): Keyring {
  const ring = readLocalFile(dataDir, create);
  // Another process (the admin CLI) may have rotated the file since it was read.
  ring.load = async (version) => {
    const fresh = readLocalFile(dataDir, false);
    ring.primary = fresh.primary;
    ring.keys = fresh.keys;
    return fresh.keys.get(version);
  };
  return ring;
}

function readLocalFile(dataDir: string, create: boolean): Keyring {
  const file = localKeyringPath(dataDir);
  let parsed: LocalFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as LocalFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && create) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const fresh: LocalFile = { primary: 'k1', keys: { k1: randomBytes(32).toString('base64') } };
      writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      return readLocalFile(dataDir, false);
    }
    throw new ConfigError(`The local master key file ${file} is missing or unreadable.`);
  }
  chmodSync(file, 0o600);
  if (!parsed || typeof parsed.primary !== 'string' || typeof parsed.keys !== 'object') {
    throw new ConfigError(`The local master key file ${file} is malformed.`);
  }
  return build('local', parsed.primary, Object.entries(parsed.keys));
}

function readKeysFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`MASTER_KEYS_FILE ${path} is missing or unreadable.`);
  }
}

function readKeyList(env: Record<string, string | undefined>, raw: string): Keyring {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf(':');
      if (i < 1) throw new ConfigError('MASTER_KEYS (or the MASTER_KEYS_FILE content) must look like k1:<base64>,k2:<base64>.');
      return [s.slice(0, i), s.slice(i + 1)] as [string, string];
    });
  const primary = env.MASTER_KEY_PRIMARY ?? entries.at(-1)?.[0] ?? '';
  return build('env', primary, entries);
}

const SM_VERSION = /^sm([1-9][0-9]{0,8})$/;

function unavailable(e: unknown): unknown {
  if (!(e instanceof SecretAccessError)) return e;
  log.warn({ kind: e.kind, version: e.version }, 'master key source unavailable');
  return new MasterKeyUnavailable(e.kind, e.version);
}

async function readSecretManager(cfg: SecretManagerConfig, secret: MasterKeySecret): Promise<Keyring> {
  const primary = await secret.access(cfg.version).catch(async (e: unknown) => {
    await secret.close().catch(() => {});
    throw unavailable(e);
  });
  if (cfg.version === 'latest') log.warn({ version: primary.version }, 'MASTER_KEY_SECRET_VERSION is not pinned: using the latest version');
  const ring: Keyring = { source: 'secret-manager', primary: `sm${primary.version}`, keys: new Map([[`sm${primary.version}`, primary.key]]) };
  const pending = new Map<string, Promise<Buffer | undefined>>();
  ring.load = (version) => {
    const n = SM_VERSION.exec(version)?.[1];
    if (!n) return Promise.resolve(undefined);
    let p = pending.get(version);
    if (!p) {
      // Concurrent requests that need the same old version share one read.
      p = secret
        .access(Number(n))
        .then(({ key }) => (ring.keys.set(version, key), key))
        .catch((e: unknown) => {
          throw unavailable(e);
        })
        .finally(() => pending.delete(version));
      pending.set(version, p);
    }
    return p;
  };
  return ring;
}

export async function loadKeyring(env: Record<string, string | undefined> = processEnv()): Promise<Keyring> {
  const config = serverEnv();
  const sm = secretManagerConfig(env, config.APP_ENV);
  const file = env.MASTER_KEYS_FILE || undefined;
  if (file && env.MASTER_KEYS) throw new ConfigError('Set either MASTER_KEYS or MASTER_KEYS_FILE, not both.');
  if (sm && (env.MASTER_KEYS || file)) throw new ConfigError('Set either MASTER_KEYS or MASTER_KEY_SECRET, not both.');
  if (sm) return readSecretManager(sm, await openMasterKeySecret(sm));
  if (env.MASTER_KEYS || file) {
    const ring = readKeyList(env, file ? readKeysFile(file) : (env.MASTER_KEYS ?? ''));
    delete env.MASTER_KEYS;
    delete env.MASTER_KEY_PRIMARY;
    return ring;
  }
  if (config.APP_ENV === 'production') {
    throw new ConfigError('MASTER_KEY_SECRET, MASTER_KEYS_FILE or MASTER_KEYS is required when APP_ENV=production (see docs/security.md, "Encryption and the master key").');
  }
  return readLocal(env.DATA_DIR || config.DATA_DIR, true);
}

const globalForKeyring = globalThis as unknown as { __keyring?: Promise<Keyring> };

/** The process's keyring, loaded once; a failed load is retried by the next caller. */
export function keyring(): Promise<Keyring> {
  globalForKeyring.__keyring ??= loadKeyring().catch((e: unknown) => {
    globalForKeyring.__keyring = undefined;
    throw e;
  });
  return globalForKeyring.__keyring;
}

/** A master key version's bytes, fetched from the source when a row names one not yet held. */
export async function masterKey(ring: Keyring, version: string): Promise<Buffer | undefined> {
  return ring.keys.get(version) ?? (await ring.load?.(version));
}

/** Tests and the admin commands swap keyrings explicitly. */
export function setKeyring(ring: Keyring | undefined): void {
  globalForKeyring.__keyring = ring && Promise.resolve(ring);
}

/** Secret Manager rotation: a new secret version; the operator then pins it and runs rewrap. */
export async function addSecretManagerVersion(env: Record<string, string | undefined> = processEnv()): Promise<number> {
  const { secret } = await openConfiguredSecret(env);
  try {
    return await secret.addVersion().catch((e: unknown) => {
      throw unavailable(e);
    });
  } finally {
    await secret.close();
  }
}

/**
 * Disables the secret versions older than the pinned one that no data key uses any more; returns them.
 * Newer versions are left alone: one may have just been added and not be pinned yet.
 */
export async function disableUnusedSecretVersions(inUse: Set<string>, env: Record<string, string | undefined> = processEnv()): Promise<number[]> {
  const { cfg, secret } = await openConfiguredSecret(env);
  try {
    const pinned = cfg.version === 'latest' ? (await secret.access('latest')).version : cfg.version;
    const unused = (await secret.enabledVersions()).filter((n) => n < pinned && !inUse.has(`sm${n}`));
    for (const n of unused) await secret.disableVersion(n);
    return unused;
  } catch (e) {
    throw unavailable(e);
  } finally {
    await secret.close();
  }
}

async function openConfiguredSecret(env: Record<string, string | undefined>): Promise<{ cfg: SecretManagerConfig; secret: MasterKeySecret }> {
  const cfg = secretManagerConfig(env, serverEnv().APP_ENV);
  if (!cfg) throw new ConfigError('MASTER_KEY_SECRET is not set.');
  return { cfg, secret: await openMasterKeySecret(cfg) };
}

/** Replaces the local key file atomically (a crash leaves the old file or the new one, never half). */
function writeLocalFile(dataDir: string, primary: string, keys: Map<string, Buffer>): void {
  const file: LocalFile = { primary, keys: Object.fromEntries([...keys].map(([v, k]) => [v, k.toString('base64')])) };
  const path = localKeyringPath(dataDir);
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Adds a new version to the local key file and makes it the primary. */
export function rotateLocalMasterKey(dataDir: string): { version: string } {
  const current = readLocalFile(dataDir, true);
  const next = `k${Math.max(...[...current.keys.keys()].map((v) => Number(v.slice(1)))) + 1}`;
  writeLocalFile(dataDir, next, new Map([...current.keys, [next, randomBytes(32)]]));
  return { version: next };
}

/** Drops versions that no data key uses any more (after a completed rewrap). */
export function retireLocalMasterKeys(dataDir: string, inUse: Set<string>): string[] {
  const current = readLocalFile(dataDir, false);
  const removed = [...current.keys.keys()].filter((v) => v !== current.primary && !inUse.has(v));
  if (!removed.length) return [];
  writeLocalFile(dataDir, current.primary, new Map([...current.keys].filter(([v]) => !removed.includes(v))));
  return removed;
}
