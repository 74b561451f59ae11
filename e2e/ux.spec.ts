// Issue 20: every page and key state passes axe with no violation and no CSP refusal, at desktop (1440)
// and phone (390) widths with nothing scrolling sideways; keyboard-only runs of add key, the picker,
// generate and cancel; the Free plan's way forward; 404s that answer 404.
import type { Page } from '@playwright/test';
import { FAKE_PORT } from '../playwright.config';
import { expectAccessible, expectNoHorizontalOverflow, watchCsp } from './a11y';
import { addKeyInUi, mask, signInSeeded, testKey, workspaceSlug } from './fixtures';
import { expect, test } from './test';

const fake = `http://127.0.0.1:${FAKE_PORT}`;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function settle(page: Page) {
  await page.waitForLoadState('networkidle');
}

test.describe('desktop, 1440 px', () => {
  test.use({ viewport: DESKTOP });

  test('every page and key state of a Pro owner passes axe, with no CSP refusal', async ({ page }) => {
    test.setTimeout(180_000);
    const csp = watchCsp(page);
    await page.goto('/sign-in');
    await expectAccessible(page, 'sign in');
    await page.goto('/sign-up');
    await expectAccessible(page, 'sign up');

    await signInSeeded(page, 'owner-ux@e2e.test');
    const slug = workspaceSlug(page);
    await settle(page);
    await expectAccessible(page, 'Content Studio, no runs');

    // API Keys: empty, the add dialog (with a refusal), a saved key, the remove confirmation.
    await page.goto(`/w/${slug}/settings/api-keys`);
    await expectAccessible(page, 'API Keys, no keys');
    await page.getByRole('button', { name: 'Add key for OpenAI' }).click();
    const add = page.getByRole('dialog', { name: 'Add OpenAI key' });
    await expectAccessible(page, 'Add key dialog');
    await add.getByLabel('API key').fill(testKey('sk-proj-', 'invalid'));
    await add.getByRole('button', { name: 'Save key' }).click();
    await expect(add.getByRole('alert')).toContainText('OpenAI rejected this key');
    await expectAccessible(page, 'Add key dialog with an error');
    await add.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('button', { name: 'Add key for OpenAI' })).toBeFocused();
    const key = testKey('sk-proj-');
    await addKeyInUi(page, 'OpenAI', key);
    await page.getByRole('listitem', { name: 'OpenAI key primary' }).getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('listitem', { name: 'OpenAI key primary' }).getByRole('status')).toContainText('accepted');
    await expectAccessible(page, 'API Keys with a verified key and a toast');
    await page.getByRole('listitem', { name: 'OpenAI key primary' }).getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByRole('alertdialog')).toBeVisible();
    await expectAccessible(page, 'Remove key confirmation');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();

    // Models, with the picker open.
    await page.goto(`/w/${slug}/settings/models`);
    await expectAccessible(page, 'Models');
    await page.getByRole('button', { name: 'Standard', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Choose a model: Standard' })).toBeVisible();
    await expectAccessible(page, 'model picker open');
    await page.keyboard.press('Escape');

    // Content Studio: picker, a finished run with images, the image viewer; the run's page.
    await page.goto(`/w/${slug}/studio`);
    await page.getByRole('button', { name: 'Model', exact: true }).click();
    await expectAccessible(page, 'Content Studio picker open');
    await page.getByRole('dialog', { name: 'Choose a model: Model' }).getByRole('option', { name: /GPT-4\.1 nano/ }).click();
    await page.getByLabel('Prompt').fill('Axe at work');
    await page.getByLabel('Images', { exact: true }).selectOption('2');
    await page.getByRole('radio', { name: '16:9' }).check();
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByTestId('run-status')).toHaveText('Done');
    await expect(page.locator('img[alt="Generated for this run"]')).toHaveCount(2);
    await expect(page.locator('img[alt="Generated for this run"]').first()).toHaveClass(/aspect-video/);
    await expectAccessible(page, 'Content Studio with a finished run');
    await page.getByRole('button', { name: 'Open image 1 of 2' }).click();
    const viewer = page.getByRole('dialog', { name: 'Image 1 of 2' });
    await expect(viewer.getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'image-1.png');
    await expectAccessible(page, 'image viewer');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: 'Open image 1 of 2' })).toBeFocused();
    await page.getByRole('link', { name: 'Run details' }).click();
    await expect(page.getByTestId('run-page-status')).toHaveText('Done');
    await expect(page.getByRole('button', { name: 'Copy script' })).toBeVisible();
    await expectAccessible(page, 'run page');
    await page.goto(`/w/${slug}/runs`);
    await expect(page.getByRole('list', { name: 'Run history' })).toContainText('Axe at work');
    await expectAccessible(page, 'Runs');

    // Members, Developers (a fresh token, the revoke confirmation), Plan & credits, Account, New workspace.
    await page.goto(`/w/${slug}/settings/members`);
    await expectAccessible(page, 'Members');
    await page.goto(`/w/${slug}/settings/developers`);
    const workspaceId = (await page.getByTestId('workspace-id').textContent())!.trim();
    expect(workspaceId).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect(page.getByRole('region', { name: 'curl snippet' })).toContainText(`/api/workspaces/${workspaceId}/ai-config`);
    await page.getByLabel('Token name').fill('axe');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByTestId('new-token')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Copy token' })).toBeVisible();
    await expectAccessible(page, 'Developers with a fresh token');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke axe' }).click();
    await expectAccessible(page, 'Revoke token confirmation');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('list', { name: 'Tokens' })).toContainText('Revoked');
    await expect(page.getByLabel('Token name')).toBeFocused();
    await page.goto(`/w/${slug}/settings/plan`);
    await expectAccessible(page, 'Plan & credits (Pro)');
    await page.getByRole('button', { name: 'Request upgrade to Ultra' }).click();
    await expectAccessible(page, 'Request upgrade dialog');
    await page.keyboard.press('Escape');
    await page.goto(`/account?from=${slug}`);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expectAccessible(page, 'Account');
    await page.goto(`/new-workspace?from=${slug}`);
    await expectAccessible(page, 'New workspace');

    // Branded 404s that answer 404.
    const missingRun = await page.goto(`/w/${slug}/runs/no-such-run`);
    expect(missingRun?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expectAccessible(page, 'missing run');
    const missing = await page.goto('/no-such-page');
    expect(missing?.status()).toBe(404);
    await expectAccessible(page, 'unknown page');
    expect(csp).toEqual([]);
  });

  test('a Free owner sees one consistent story: platform models now, and a way to ask for Pro', async ({ page }) => {
    const csp = watchCsp(page);
    await signInSeeded(page, 'free-ux@e2e.test');
    const slug = workspaceSlug(page);
    await expect(page.getByText(/cost no credits/)).toHaveCount(0);
    await page.getByRole('button', { name: 'Model', exact: true }).click();
    const picker = page.getByRole('dialog', { name: 'Choose a model: Model' });
    await expect(picker.getByRole('group', { name: 'My models' })).toHaveCount(0);
    await expect(picker.getByText('your own keys need the Pro plan or above')).toBeVisible();
    await expect(picker.getByRole('link', { name: 'See plans' })).toHaveAttribute('href', `/w/${slug}/settings/plan`);
    await expectAccessible(page, 'Free picker');
    await page.keyboard.press('Escape');

    await page.goto(`/w/${slug}/settings/models`);
    await expect(page.getByRole('group', { name: 'Fallback to platform credits' })).toHaveCount(0);
    await expectAccessible(page, 'Free Models');

    await page.goto(`/w/${slug}/settings/plan`);
    const plans = page.getByRole('list').filter({ has: page.getByRole('listitem', { name: 'Pro plan' }) });
    for (const p of ['Free', 'Pro', 'Ultra', 'Enterprise']) await expect(plans.getByRole('listitem', { name: `${p} plan` })).toBeVisible();
    await expect(plans.getByRole('listitem', { name: 'Pro plan' })).toContainText('2,000');
    await expect(plans.getByRole('listitem', { name: 'Free plan' })).toContainText('Current');
    await page.getByRole('button', { name: 'Request upgrade to Pro' }).click();
    const dialog = page.getByRole('dialog', { name: 'Request the Pro plan' });
    await dialog.getByLabel(/Note for the operator/).fill('We want our own Anthropic key');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await expect(dialog).toBeHidden();
    const pending = page.getByRole('status').filter({ hasText: 'What happens next' });
    await expect(pending).toContainText('Upgrade to Pro requested');
    await expect(pending).toContainText('We want our own Anthropic key');
    await page.reload();
    await expect(page.getByRole('status').filter({ hasText: 'What happens next' })).toContainText('Upgrade to Pro requested');
    await expectAccessible(page, 'Free plan page with a pending request');
    expect(csp).toEqual([]);
  });

  test('keyboard only: add a key, pick its model, generate and cancel', async ({ page, request }) => {
    await signInSeeded(page, 'owner-kbd@e2e.test');
    const slug = workspaceSlug(page);
    await page.goto(`/w/${slug}/settings/api-keys`);

    // Add key: Tab to the button, Enter; the dialog starts in Label; Tab to the key; Enter saves.
    await page.getByRole('button', { name: 'Add key for Mistral' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add Mistral key' });
    await expect(dialog.getByLabel('Label')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(dialog.getByLabel('API key')).toBeFocused();
    const key = testKey('Mk');
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('listitem', { name: 'Mistral key primary' })).toContainText(mask(key));

    // The picker: Enter opens it with the search focused, typing filters, arrows move, Enter chooses.
    await page.goto(`/w/${slug}/studio`);
    // Typing before the page is interactive would be lost to hydration: wait for the picker's button.
    await expect(page.getByRole('button', { name: 'Model', exact: true })).toBeEnabled();
    await page.getByLabel('Prompt').focus();
    await page.keyboard.type('A very long story');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Model', exact: true })).toBeFocused();
    await page.keyboard.press('Enter');
    const picker = page.getByRole('dialog', { name: 'Choose a model: Model' });
    await expect(picker.getByRole('combobox')).toBeFocused();
    await page.keyboard.type('mistral small');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect(picker).toBeHidden();
    await expect(page.getByRole('button', { name: 'Model', exact: true })).toBeFocused();
    await expect(page.getByRole('button', { name: 'Model', exact: true })).toContainText('Your Mistral key “primary”');

    // Generate with Ctrl+Enter from the prompt; cancel with the keyboard.
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 400, chunks: 60 } });
    try {
      await page.getByLabel('Prompt').focus();
      await page.keyboard.press('Control+Enter');
      await expect(page.getByTestId('script')).toContainText('Scene');
      const cancel = page.getByRole('button', { name: 'Cancel' });
      await cancel.focus();
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('run-status')).toHaveText('Cancelled');
      await expect(page.getByRole('button', { name: 'Generate' })).toBeFocused();
    } finally {
      await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
    }
  });

  test('a stalled stream says so while the run waits', async ({ page, request }) => {
    await signInSeeded(page, 'owner-ux@e2e.test');
    // Gaps longer than the hint's 4 s, shorter than the server's idle timeout (5 s in these tests).
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 4700, chunks: 4 } });
    try {
      await page.getByRole('button', { name: 'Model', exact: true }).click();
      await page.getByRole('dialog', { name: 'Choose a model: Model' }).getByRole('group', { name: 'Platform models' }).getByRole('option', { name: /Mistral Small/ }).click();
      await page.getByLabel('Prompt').fill('Slow story');
      await page.getByLabel('Images', { exact: true }).selectOption('0');
      await page.getByRole('button', { name: 'Generate' }).click();
      await expect(page.getByRole('status').filter({ hasText: /No (new text|answer yet) for \d+ s/ })).toBeVisible({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByTestId('run-status')).toHaveText('Cancelled');
    } finally {
      await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
    }
  });
});

test.describe('phone, 390 px', () => {
  test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

  test('every page fits the screen, the navigation opens as a sheet, and axe finds nothing', async ({ page }) => {
    test.setTimeout(150_000);
    const csp = watchCsp(page);
    await page.goto('/sign-in');
    await expectNoHorizontalOverflow(page, 'sign in');
    await signInSeeded(page, 'owner-ux@e2e.test');
    const slug = workspaceSlug(page);

    // The sidebar is a sheet: open it, go to Settings, it closes.
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
    await page.getByRole('button', { name: 'Open navigation' }).click();
    const sheet = page.getByRole('dialog', { name: 'Navigation' });
    await expectAccessible(page, 'navigation sheet');
    await sheet.getByRole('link', { name: 'Plan & credits' }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/settings/plan$`));
    await expect(sheet).toBeHidden();
    await expect(page.getByTestId('credits')).toBeVisible();

    for (const path of ['studio', 'runs', 'settings/api-keys', 'settings/models', 'settings/members', 'settings/developers', 'settings/plan']) {
      await page.goto(`/w/${slug}/${path}`);
      await settle(page);
      await expectNoHorizontalOverflow(page, path);
      await expectAccessible(page, `${path} at 390 px`);
    }
    await page.goto(`/account?from=${slug}`);
    await expectNoHorizontalOverflow(page, 'account');

    // The picker fits the screen, and so does a run with its steps.
    await page.goto(`/w/${slug}/studio`);
    await page.getByRole('button', { name: 'Model', exact: true }).click();
    const picker = page.getByRole('dialog', { name: 'Choose a model: Model' });
    await expect(picker).toBeVisible();
    const box = (await picker.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    await expectNoHorizontalOverflow(page, 'picker open');
    await picker.getByRole('group', { name: 'Platform models' }).getByRole('option', { name: /GPT-4\.1 mini/ }).click();
    await page.getByLabel('Prompt').fill('Phone run');
    await page.getByLabel('Images', { exact: true }).selectOption('1');
    await page.getByRole('radio', { name: '9:16' }).check();
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByTestId('run-status')).toHaveText('Done');
    await expectNoHorizontalOverflow(page, 'finished run');
    await page.getByRole('link', { name: 'Run details' }).click();
    await expect(page.getByTestId('run-page-status')).toHaveText('Done');
    await expectNoHorizontalOverflow(page, 'run page');
    await expectAccessible(page, 'run page at 390 px');
    expect(csp).toEqual([]);
  });
});

test('an old run address leads to the run, and a run of another workspace is a 404', async ({ page, browser }) => {
  await signInSeeded(page, 'owner-ux@e2e.test');
  const slug = workspaceSlug(page);
  await page.goto(`/w/${slug}/runs`);
  const first = page.getByRole('list', { name: 'Run history' }).getByRole('link').first();
  const href = await first.getAttribute('href');
  test.skip(!href, 'needs a run from the tests above');
  const runId = href!.split('/').at(-1)!;
  await page.goto(`/w/${slug}/studio/runs/${runId}`);
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/runs/${runId}$`));

  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await signInSeeded(other, 'free-ux@e2e.test');
  const otherSlug = workspaceSlug(other);
  const res = await other.goto(`/w/${otherSlug}/runs/${runId}`);
  expect(res?.status()).toBe(404);
  await ctx.close();
});
