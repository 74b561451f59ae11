import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { providerKeyAad, workspaceDekAad } from '~/server/vault/aad';
import { CryptoError, open, seal } from '~/server/vault/aead';
import { maskKey } from '~/server/vault/mask';

describe('AES-256-GCM', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('pk|v1|ws=a|prov=openai|id=k|dek=1');
  const plain = Buffer.from('sk-proj-canary-plaintext');

  it('round-trips', () => {
    expect(open(key, seal(key, plain, aad), aad).equals(plain)).toBe(true);
  });

  it('never repeats a nonce in 100,000 encryptions of the same plaintext', () => {
    const nonces = new Set<string>();
    const cts = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const s = seal(key, plain, aad);
      nonces.add(s.nonce.toString('hex'));
      cts.add(s.ciphertext.toString('hex'));
    }
    expect(nonces.size).toBe(100_000);
    expect(cts.size).toBe(100_000);
  });

  it.each(['nonce', 'ciphertext', 'tag'] as const)('fails on any flipped bit of the %s', (field) => {
    const s = seal(key, plain, aad);
    for (let bit = 0; bit < s[field].length * 8; bit += 7) {
      const tampered = { ...s, [field]: Buffer.from(s[field]) };
      tampered[field][bit >> 3]! ^= 1 << (bit & 7);
      expect(() => open(key, tampered, aad)).toThrow(CryptoError);
    }
  });

  it('fails with other associated data, another key, or a truncated tag', () => {
    const s = seal(key, plain, aad);
    expect(() => open(key, s, Buffer.from('pk|v1|ws=b|prov=openai|id=k|dek=1'))).toThrow(CryptoError);
    expect(() => open(randomBytes(32), s, aad)).toThrow(CryptoError);
    expect(() => open(key, { ...s, tag: s.tag.subarray(0, 12) }, aad)).toThrow(CryptoError);
    expect(() => seal(randomBytes(31), plain, aad)).toThrow(CryptoError);
  });
});

describe('associated data', () => {
  it('pins the exact bytes', () => {
    expect(providerKeyAad({ workspaceId: 'ws_1', provider: 'openai', keyId: 'k-9', dekVersion: 2 }).toString()).toBe(
      'pk|v1|ws=ws_1|prov=openai|id=k-9|dek=2',
    );
    expect(workspaceDekAad('ws_1', 1, 'k3').toString()).toBe('wsdek|v1|ws=ws_1|dek=1|kek=k3');
  });

  it('rejects components that could inject separators', () => {
    expect(() => providerKeyAad({ workspaceId: 'a|prov=x', provider: 'openai', keyId: 'k', dekVersion: 1 })).toThrow();
    expect(() => workspaceDekAad('ws', 1, 'k1=2')).toThrow();
  });
});

describe('masking', () => {
  it.each([
    ['sk-ant-api03-' + 'a'.repeat(93) + 'AA', 'sk-a…aaAA'],
    ['sk-proj-' + 'b'.repeat(150) + 'bCdE', 'sk-p…bCdE'],
    ['xai-' + 'c'.repeat(76) + 'WXYZ', 'xai-…WXYZ'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZ123456', 'ABCD…3456'],
    ['sk-shortkey12', '••••••••'],
    ['  AIzaSyD-padded-key-value-1234  ', 'AIza…1234'],
    ['ключ-😀-0123456789abcdefghijklmnop', 'ключ…mnop'],
  ])('masks %s as %s', (key, mask) => {
    expect(maskKey(key)).toBe(mask);
  });
});
