import { expect, test } from './test';
import { signInSeeded } from './fixtures';

test('pages carry a strict CSP with a fresh nonce, and nothing is cached or frameable', async ({ page, request }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  const signIn = await request.get('/sign-in');
  const csp = signIn.headers()['content-security-policy']!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  const again = (await request.get('/sign-in')).headers()['content-security-policy'];
  expect(again).not.toBe(csp); // a new nonce per response
  expect(signIn.headers()['x-content-type-options']).toBe('nosniff');
  expect(signIn.headers()['x-frame-options']).toBe('DENY');
  expect(signIn.headers()['referrer-policy']).toBe('same-origin');

  await signInSeeded(page, 'owner-keys@e2e.test');
  const settings = await page.goto(page.url().replace(/studio$/, 'settings/api-keys'));
  expect(settings!.headers()['cache-control']).toContain('no-store');
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
  const api = await page.request.get('/api/trpc/workspace.list', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  expect(api.headers()['cache-control']).toContain('no-store');
  expect(api.headers()['content-encoding']).toBeUndefined(); // API responses are never compressed
  expect(violations).toEqual([]);
});

test('404s outside the API carry the page CSP too, and the API its own; no HSTS over plain http', async ({ request }) => {
  for (const path of ['/apifoo', '/api-docs', '/favicon.ico', '/no-such-page']) {
    const r = await request.get(path);
    expect(r.status(), path).toBe(404);
    expect(r.headers()['content-security-policy'], path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(r.headers()['strict-transport-security'], path).toBeUndefined();
  }
  for (const path of ['/api', '/api/nothing']) {
    const r = await request.get(path);
    expect(r.status(), path).toBe(404);
    expect(r.headers()['content-security-policy'], path).toBe("default-src 'none'; frame-ancestors 'none'");
  }
});
