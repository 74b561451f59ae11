import 'server-only';
// A keyed fingerprint of a provider key (PRODUCT.md M7): HMAC-SHA256 under a dedicated server secret,
// so equal keys can be recognised across workspaces without decrypting, and a database dump cannot be
// used to confirm a guessed key offline. Separate from the master key: rotating the master key
// never touches fingerprints.
import { createHmac } from 'node:crypto';
import { readOrCreateLocalSecret } from '~/server/data-dir';
import { ConfigError, serverEnv, takeFingerprintKey } from '~/server/env';

export const FINGERPRINT_VERSION = 1;

let secret: Buffer | undefined;
function fingerprintKey(): Buffer {
  if (secret) return secret;
  const env = serverEnv();
  const configured = takeFingerprintKey();
  if (!configured && env.APP_ENV === 'production') {
    throw new ConfigError('FINGERPRINT_KEY is required when APP_ENV=production.');
  }
  const value = configured ?? readOrCreateLocalSecret(env.DATA_DIR, 'fingerprint-key');
  secret = Buffer.from(value, 'utf8');
  if (secret.length < 32) throw new ConfigError('FINGERPRINT_KEY must be at least 32 characters.');
  return secret;
}

export function keyFingerprint(key: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHmac('sha256', fingerprintKey()).update(key.trim(), 'utf8').digest());
}
