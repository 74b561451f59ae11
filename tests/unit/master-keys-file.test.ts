// MASTER_KEYS_FILE: the MASTER_KEYS value read from a file once at start, so the keys never enter the
// process's environment (whose kernel copy, /proc/<pid>/environ, outlives any `delete process.env.X`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyring } from '~/server/vault/keyring';

const b64 = () => randomBytes(32).toString('base64');
function keysFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'master-keys-')), 'master-keys');
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('MASTER_KEYS_FILE', () => {
  it('reads the key versions from the file (a trailing newline is fine), and none of it lands in the environment', async () => {
    const [k1, k2] = [b64(), b64()];
    const env: Record<string, string | undefined> = { MASTER_KEYS_FILE: keysFile(`k1:${k1},k2:${k2}\n`), MASTER_KEY_PRIMARY: 'k1' };
    const ring = await loadKeyring(env);
    expect(ring.source).toBe('env');
    expect(ring.primary).toBe('k1');
    expect(ring.keys.get('k1')!.toString('base64')).toBe(k1);
    expect(ring.keys.get('k2')!.toString('base64')).toBe(k2);
    expect(ring.load).toBeUndefined(); // read once: the file is never read again
    expect(JSON.stringify(env)).not.toContain(k1.slice(0, 12));
    expect(JSON.stringify(process.env)).not.toContain(k1.slice(0, 12));
  });

  it('makes the last version the primary when MASTER_KEY_PRIMARY is not set', async () => {
    const ring = await loadKeyring({ MASTER_KEYS_FILE: keysFile(`k1:${b64()}, k2:${b64()}`) });
    expect(ring.primary).toBe('k2');
  });

  it('refuses a missing file, a malformed one and a second source, with errors that show no key', async () => {
    await expect(loadKeyring({ MASTER_KEYS_FILE: '/nonexistent/master-keys' })).rejects.toThrow('MASTER_KEYS_FILE /nonexistent/master-keys is missing or unreadable.');
    const short = randomBytes(31).toString('base64');
    const err = (await loadKeyring({ MASTER_KEYS_FILE: keysFile(`k1:${short}`) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/exactly 32 bytes/);
    expect(err.message).not.toContain(short.slice(0, 8));
    await expect(loadKeyring({ MASTER_KEYS_FILE: keysFile(short) })).rejects.toThrow(/must look like k1:<base64>/);
    await expect(loadKeyring({ MASTER_KEYS_FILE: keysFile(`k1:${b64()}`), MASTER_KEYS: `k1:${b64()}` })).rejects.toThrow(
      'Set either MASTER_KEYS or MASTER_KEYS_FILE, not both.',
    );
    await expect(
      loadKeyring({ MASTER_KEYS_FILE: keysFile(`k1:${b64()}`), MASTER_KEY_SECRET: 'projects/p/secrets/s', MASTER_KEY_SECRET_VERSION: '1' }),
    ).rejects.toThrow(/not both/);
  });
});
