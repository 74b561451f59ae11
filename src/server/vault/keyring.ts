import 'server-only';
// Master key versions (KEKs). One version encrypts (the primary); the others only decrypt, until
// `npm run admin -- rewrap` has moved every data key off them. Sources:
//  - local (default outside production): ./.data/master-keys.json, created on first start, mode 0600;
//  - env: MASTER_KEYS="k1:<base64 32 bytes>,k2:<…>" with MASTER_KEY_PRIMARY=k2 (read once, then
//    removed from process.env so env dumps and child processes do not see it).
// A missing or malformed source stops start-up with a clear error; no key is ever logged.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, serverEnv } from '~/server/env';

export type Keyring = {
  source: 'local' | 'env';
  primary: string;
  keys: Map<string, Buffer>;
};

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
  const file = localKeyringPath(dataDir);
  let parsed: LocalFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as LocalFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && create) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const fresh: LocalFile = { primary: 'k1', keys: { k1: randomBytes(32).toString('base64') } };
      writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      return readLocal(dataDir, false);
    }
    throw new ConfigError(`The local master key file ${file} is missing or unreadable.`);
  }
  chmodSync(file, 0o600);
  if (!parsed || typeof parsed.primary !== 'string' || typeof parsed.keys !== 'object') {
    throw new ConfigError(`The local master key file ${file} is malformed.`);
  }
  return build('local', parsed.primary, Object.entries(parsed.keys));
}

function readEnv(env: Record<string, string | undefined>): Keyring {
  const raw = env.MASTER_KEYS ?? '';
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf(':');
      if (i < 1) throw new ConfigError('MASTER_KEYS must look like k1:<base64>,k2:<base64>.');
      return [s.slice(0, i), s.slice(i + 1)] as [string, string];
    });
  const primary = env.MASTER_KEY_PRIMARY ?? entries.at(-1)?.[0] ?? '';
  return build('env', primary, entries);
}

export function loadKeyring(env: Record<string, string | undefined> = process.env): Keyring {
  const config = serverEnv();
  if (env.MASTER_KEYS) {
    const ring = readEnv(env);
    delete env.MASTER_KEYS;
    delete env.MASTER_KEY_PRIMARY;
    return ring;
  }
  if (config.APP_ENV === 'production') {
    throw new ConfigError('MASTER_KEYS is required when APP_ENV=production (see README, "Master key").');
  }
  return readLocal(config.DATA_DIR, true);
}

const globalForKeyring = globalThis as unknown as { __keyring?: Keyring };

export function keyring(): Keyring {
  globalForKeyring.__keyring ??= loadKeyring();
  return globalForKeyring.__keyring;
}

/**
 * A row names a master key version this process does not hold. With the local key file, another
 * process (the admin CLI) may have rotated it: reload once. Environment keyrings change only on restart.
 */
export function refreshedKeyringWith(version: string): Keyring {
  const ring = keyring();
  if (ring.keys.has(version) || ring.source !== 'local') return ring;
  globalForKeyring.__keyring = readLocal(serverEnv().DATA_DIR, false);
  return globalForKeyring.__keyring;
}

/** Tests and the admin commands swap keyrings explicitly. */
export function setKeyring(ring: Keyring | undefined): void {
  globalForKeyring.__keyring = ring;
}

/**
 * Adds a new master key version and makes it the primary. Local source: written atomically to the
 * key file. Env source: returns the new value for the operator to add to MASTER_KEYS.
 */
export function rotateLocalMasterKey(dataDir: string): { version: string } {
  const current = readLocal(dataDir, true);
  const next = `k${Math.max(...[...current.keys.keys()].map((v) => Number(v.slice(1)))) + 1}`;
  const file: LocalFile = {
    primary: next,
    keys: {
      ...Object.fromEntries([...current.keys].map(([v, k]) => [v, k.toString('base64')])),
      [next]: randomBytes(32).toString('base64'),
    },
  };
  const path = localKeyringPath(dataDir);
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return { version: next };
}

/** Drops versions that no data key uses any more (after a completed rewrap). */
export function retireLocalMasterKeys(dataDir: string, inUse: Set<string>): string[] {
  const current = readLocal(dataDir, false);
  const removed = [...current.keys.keys()].filter((v) => v !== current.primary && !inUse.has(v));
  if (!removed.length) return [];
  const file: LocalFile = {
    primary: current.primary,
    keys: Object.fromEntries([...current.keys].filter(([v]) => !removed.includes(v)).map(([v, k]) => [v, k.toString('base64')])),
  };
  const path = localKeyringPath(dataDir);
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
  return removed;
}
