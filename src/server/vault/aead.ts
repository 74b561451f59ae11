import 'server-only';
// AES-256-GCM with a fresh random 96-bit nonce per encryption and a 128-bit tag (reference/security.md §1).
// Decryption failure is an exception, never an empty value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type Sealed = { nonce: Buffer; ciphertext: Buffer; tag: Buffer };

export class CryptoError extends Error {
  override name = 'CryptoError';
  constructor(readonly kind: 'format' | 'authentication' | 'config' | 'missing_key') {
    super(`decryption failed: ${kind}`);
  }
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  if (key.length !== 32) throw new CryptoError('config');
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { nonce, ciphertext, tag: c.getAuthTag() };
}

export function open(key: Buffer, s: Sealed, aad: Buffer): Buffer {
  if (key.length !== 32) throw new CryptoError('config');
  if (s.nonce.length !== 12 || s.tag.length !== 16) throw new CryptoError('format');
  const d = createDecipheriv('aes-256-gcm', key, s.nonce, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(s.tag);
  try {
    return Buffer.concat([d.update(s.ciphertext), d.final()]);
  } catch {
    throw new CryptoError('authentication');
  }
}
