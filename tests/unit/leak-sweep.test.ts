import { describe, expect, it } from 'vitest';
import { sweepText } from '../../scripts/leak-sweep';

describe('leak sweep', () => {
  const secret = 'AbCdEfGhIjKlMnOpQrStUvWx';
  it.each([
    ['raw', `log line sk-proj-e2e${secret}`],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64 of the whole key (offset 1)', Buffer.from(`x${secret}`).toString('base64')],
    ['base64 of the whole key (offset 2)', Buffer.from(`sk-proj-e2e${secret}!`).toString('base64')],
    ['base64url of the whole key', Buffer.from(`ab${secret}`).toString('base64url')],
    ['hex', Buffer.from(secret).toString('hex')],
    ['URL-encoded', encodeURIComponent(`${secret}/x`)],
    ['a 12-character piece', `…${secret.slice(5, 17)}…`],
  ])('finds a canary in %s form', (_form, text) => {
    expect(sweepText('somewhere', text, [secret])).toEqual([{ where: 'somewhere', form: expect.any(String) }]);
  });

  it('does not flag the mask or unrelated text', () => {
    expect(sweepText('page', `sk-p…${secret.slice(-4)} shown`, [secret])).toEqual([]);
  });
});
