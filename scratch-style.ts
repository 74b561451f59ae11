import { chromium } from '@playwright/test';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ baseURL: 'http://localhost:3461' });
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill('demo@example.com');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/studio$/);
  const slug = new URL(page.url()).pathname.split('/')[2];
  for (const p of ['studio', 'runs', 'settings/api-keys', 'settings/models', 'settings/plan', 'settings/developers']) {
    const html = await (await page.request.get(`/w/${slug}/${p}`)).text();
    const m = html.match(/<[^>]{0,200}style="[^"]*"[^>]{0,100}/g);
    console.log(p, m?.slice(0, 3));
    const st = html.match(/<style[^>]*>[^<]{0,80}/g);
    console.log(' styles', st?.slice(0,3));
  }
  await browser.close();
})();
