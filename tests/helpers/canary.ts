import { randomBytes } from 'node:crypto';

/** A realistic-looking, unique fake key per test run. */
export function canaryKey(prefix = 'sk-proj-'): string {
  return `${prefix}canary${randomBytes(24).toString('base64url')}`;
}

/** Every form of the canary a leak could take: raw, base64, base64url, hex, URL-encoded, 12-char pieces. */
export function canaryForms(canary: string, pieceLength = 12): string[] {
  const forms = new Set([
    canary,
    Buffer.from(canary).toString('base64'),
    Buffer.from(canary).toString('base64url'),
    Buffer.from(canary).toString('hex'),
    encodeURIComponent(canary),
  ]);
  // Only pieces from the random part: the fixed prefix is shared with innocent strings.
  const secretPart = canary.slice(canary.indexOf('canary') + 6);
  for (let i = 0; i + pieceLength <= secretPart.length; i++) forms.add(secretPart.slice(i, i + pieceLength));
  return [...forms];
}

export function findCanary(haystack: string, canary: string): string | null {
  return canaryForms(canary).find((f) => haystack.includes(f)) ?? null;
}
