import { chromium } from '@playwright/test';
const BASE = process.env.BASE ?? 'http://localhost:3461';
const OUT = '/tmp/h5shots';
const only = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  for (const [w, h, tag] of [[1440, 900, 'd'], [390, 844, 'm']] as const) {
    const ctx = await browser.newContext({ viewport: { width: w, height: h }, baseURL: BASE, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || /Refused/.test(m.text())) errors.push(m.text()); });
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill('demo@example.com');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/studio$/);
    const slug = new URL(page.url()).pathname.split('/')[2];
    const pages = ['studio', 'runs', 'settings/api-keys', 'settings/models', 'settings/members', 'settings/developers', 'settings/plan'];
    for (const p of pages) {
      if (only.length && !only.includes(p)) continue;
      await page.goto(`/w/${slug}/${p}`);
      await page.waitForTimeout(600);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.screenshot({ path: `${OUT}/${tag}-${p.replace(/\//g, '_')}.png`, fullPage: true });
      console.log(tag, p, 'overflow', overflow);
    }
    if (!only.length || only.includes('account')) {
      await page.goto(`/account?from=${slug}`); await page.waitForTimeout(500);
      await page.screenshot({ path: `${OUT}/${tag}-account.png`, fullPage: true });
    }
    console.log('errors', errors.slice(0, 5));
    await ctx.close();
  }
  await browser.close();
})();
