import 'server-only';
// Bearer tokens (personal access tokens, runtime tokens) are stored only as an HMAC under a server secret,
// one derived key per kind of token: a database dump lets nobody confirm or use a token, and a hash of one
// kind never matches the other kind.
import { createHmac, hkdfSync } from 'node:crypto';
import { readOrCreateLocalSecret } from '~/server/data-dir';
import { serverEnv } from '~/server/env';

const keys = new Map<string, Buffer>();

function hashKey(purpose: string): Buffer {
  let key = keys.get(purpose);
  if (!key) {
    const env = serverEnv();
    const secret = env.BETTER_AUTH_SECRET ?? readOrCreateLocalSecret(env.DATA_DIR, 'auth-secret');
    key = Buffer.from(hkdfSync('sha256', secret, 'byok-studio', purpose, 32));
    keys.set(purpose, key);
  }
  return key;
}

export function tokenHasher(purpose: 'personal-access-token-hash' | 'runtime-token-hash'): (token: string) => Uint8Array<ArrayBuffer> {
  return (token) => new Uint8Array(createHmac('sha256', hashKey(purpose)).update(token, 'utf8').digest());
}
