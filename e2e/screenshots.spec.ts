// `npm run screenshots`: the main pages at 1440 and 390 px, written to docs/screenshots/ (referenced from
// the README and docs/architecture.md). Runs against the built app and the fake providers like the other
// browser tests, but only when asked (SCREENSHOTS=1), since it rewrites files in the repository.
import type { Page } from '@playwright/test';
import { addKeyInUi, signInSeeded, testKey, workspaceSlug } from './fixtures';
import { expect, test } from './test';

const OUT = 'docs/screenshots';
async function shot(page: Page, name: string, fullPage = true) {
  // Toasts wait for the window's focus to time out, which a headless page never has: close them.
  for (const close of await page.getByRole('button', { name: 'Dismiss' }).all()) await close.click({ timeout: 2000 }).catch(() => {});
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage, animations: 'disabled' });
}

test('screenshots of the main pages', async ({ browser }) => {
  test.setTimeout(240_000);
  const desktop = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await desktop.newPage();
  await signInSeeded(page, 'owner-shots@e2e.test');
  const slug = workspaceSlug(page);
  await addKeyInUi(page, 'OpenAI', testKey('sk-proj-'));
  await addKeyInUi(page, 'Anthropic', testKey('sk-ant-api03-'));
  await shot(page, 'api-keys');
  await page.getByRole('button', { name: 'Add key for Google' }).click();
  await shot(page, 'add-key-dialog', false);
  await page.keyboard.press('Escape');

  await page.goto(`/w/${slug}/studio`);
  await page.getByLabel('Prompt').fill('A 30-second explainer about how bees make honey');
  await page.getByRole('button', { name: 'Model', exact: true }).click();
  await page.getByRole('combobox', { name: 'Search models' }).fill('haiku');
  await shot(page, 'model-picker', false);
  await page.keyboard.press('Enter');
  await page.getByLabel('Images', { exact: true }).selectOption('2');
  await page.getByRole('radio', { name: '16:9' }).check();
  await shot(page, 'content-studio');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('Done');
  await page.mouse.move(0, 0);
  await shot(page, 'content-studio-run');
  await page.getByRole('link', { name: 'Run details' }).click();
  await expect(page.getByTestId('run-page-status')).toHaveText('Done');
  await shot(page, 'run');
  await page.goto(`/w/${slug}/runs`);
  await shot(page, 'runs');
  await page.goto(`/w/${slug}/settings/models`);
  await shot(page, 'models');
  await page.goto(`/w/${slug}/settings/developers`);
  await shot(page, 'developers');
  await page.goto(`/w/${slug}/settings/plan`);
  await shot(page, 'plan-and-credits');
  await page.goto(`/w/${slug}/settings/usage`);
  // The chart library loads on this page only, after the page: wait for its surface.
  await expect(page.getByRole('application').and(page.locator('.recharts-surface'))).toBeVisible();
  await shot(page, 'usage');
  await page.goto(`/w/${slug}/settings/members`);
  await shot(page, 'members');
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await shot(page, 'notifications', false);
  await page.keyboard.press('Escape');
  await page.goto(`/account?from=${slug}`);
  await shot(page, 'account');
  await desktop.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const mp = await phone.newPage();
  await signInSeeded(mp, 'owner-shots@e2e.test');
  await shot(mp, 'phone-content-studio');
  await mp.getByRole('button', { name: 'Open navigation' }).click();
  await shot(mp, 'phone-navigation', false);
  await mp.keyboard.press('Escape');
  await mp.goto(`/w/${slug}/settings/api-keys`);
  await shot(mp, 'phone-api-keys');
  await mp.goto(`/w/${slug}/runs`);
  await mp.getByRole('list', { name: 'Run history' }).getByRole('link').first().click();
  await expect(mp.getByTestId('run-page-status')).toHaveText('Done');
  await shot(mp, 'phone-run');
  await phone.close();
});
