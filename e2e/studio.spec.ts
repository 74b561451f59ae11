import { createHash } from 'node:crypto';
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { FAKE_PORT } from '../playwright.config';
import { addKeyInUi, lastStreamAborted, openApiKeys, openModels, signInSeeded, testKey } from './fixtures';

const fake = `http://127.0.0.1:${FAKE_PORT}`;
const credits = async (page: Page) => Number((await page.getByTestId('credits').textContent())!.replace(/\D/g, ''));

async function pick(page: Page, section: 'My models' | 'Platform models', option: RegExp) {
  await page.getByRole('button', { name: 'Model', exact: true }).click();
  await page.getByRole('dialog', { name: 'Choose a model: Model' }).getByRole('group', { name: section }).getByRole('option', { name: option }).click();
}

test('a run through the owner’s Anthropic key streams the script, makes two images and charges only the images', async ({ page }) => {
  await signInSeeded(page, 'owner-studio@e2e.test');
  await addKeyInUi(page, 'Anthropic', testKey('sk-ant-api03-'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content Studio' }).click();
  const before = await credits(page);

  await pick(page, 'My models', /Claude Haiku 4\.5/);
  await expect(page.getByRole('button', { name: 'Model', exact: true })).toContainText('Your Anthropic key “primary”');
  await page.getByLabel('Prompt').fill('Otters building a dam');
  await page.getByLabel('Images', { exact: true }).selectOption('2');
  // The cost before: nothing for the script through the key, the images exactly.
  await expect(page.getByTestId('estimate')).toContainText('through your Anthropic key');
  await expect(page.getByTestId('estimate')).toContainText('no credits');
  await expect(page.getByTestId('estimate')).toContainText('2 images at 4 credits each');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('script')).toContainText('Otters building a dam');
  await expect(page.getByTestId('run-status')).toHaveText('Done');
  // … and after, per step, in words.
  await expect(page.getByRole('list', { name: 'Steps' })).toContainText('Script through your Anthropic key — no credits');
  await expect(page.getByRole('list', { name: 'Steps' })).toContainText('2 images — 8 credits');
  await expect(page.locator('img[alt="Generated for this run"]')).toHaveCount(2);
  await expect(page.getByTestId('run-credits')).toHaveText('8 credits used');
  await expect(page.getByTestId('credits')).toHaveText(`${(before - 8).toLocaleString('en-US')} credits`);

  // The same prompt on a platform model costs that model's price.
  await pick(page, 'Platform models', /GPT-4\.1 mini/);
  await page.getByLabel('Images', { exact: true }).selectOption('0');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('Done');
  const used = Number((await page.getByTestId('run-credits').textContent())!.replace(/\D/g, ''));
  expect(used).toBeGreaterThan(0);
  await expect(page.getByTestId('credits')).toHaveText(`${(before - 8 - used).toLocaleString('en-US')} credits`);

  // History and the run page.
  await page.getByRole('list', { name: 'Run history' }).getByRole('link', { name: 'Otters building a dam' }).last().click();
  await expect(page).toHaveURL(/\/w\/[^/]+\/runs\/[^/]+$/);
  await expect(page.getByTestId('run-page-status')).toHaveText('Done');
  await expect(page.getByRole('list', { name: 'Steps' })).toContainText('Script through your Anthropic key — no credits');
});

test('Cancel stops the stream and returns the reserved credits', async ({ page, request }) => {
  await signInSeeded(page, 'owner-studio@e2e.test');
  const before = await credits(page);
  await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 400, chunks: 60 } });
  try {
    await pick(page, 'Platform models', /Mistral Small/);
    await page.getByLabel('Prompt').fill('A very long story');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect(page.getByTestId('script')).toContainText('Scene');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('run-status')).toHaveText('Cancelled');
    // The step agrees with the run, and the keyboard is back on Generate.
    await expect(page.getByRole('list', { name: 'Steps' })).toContainText('Cancelled');
    await expect(page.getByRole('list', { name: 'Steps' })).not.toContainText('Running');
    await expect(page.getByRole('button', { name: 'Generate' })).toBeFocused();
    await expect(page.getByTestId('credits')).toHaveText(`${before.toLocaleString('en-US')} credits`);
    await expect.poll(() => lastStreamAborted(request, fake, 'mistral')).toBe(true);
  } finally {
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
  }
});

test('a key that starts failing: with fallback off the run fails without charge; with it on the run completes on credits and says so', async ({ page, request }) => {
  await signInSeeded(page, 'owner-fallback@e2e.test');
  const key = testKey('sk-proj-');
  await addKeyInUi(page, 'OpenAI', key);
  await openModels(page);
  const policy = page.getByRole('group', { name: 'Fallback to platform credits' });
  await policy.getByLabel('Never').check();
  await expect(policy.getByLabel('Never')).toBeChecked();
  await request.post(`${fake}/__fake/revoke`, { data: { fingerprint: createHash('sha256').update(key).digest('hex').slice(0, 16) } });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content Studio' }).click();
  const before = await credits(page);
  await pick(page, 'My models', /GPT-4\.1 nano/);
  await page.getByLabel('Prompt').fill('Failing key');
  await page.getByLabel('Images', { exact: true }).selectOption('1');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('Failed');
  await expect(page.getByRole('alert').filter({ hasText: 'rejected your workspace' })).toContainText('nothing was charged');
  await expect(page.getByTestId('credits')).toHaveText(`${before.toLocaleString('en-US')} credits`);
  await openApiKeys(page);
  await expect(page.getByRole('listitem', { name: 'OpenAI key primary' })).toContainText('Failing');

  await openModels(page);
  await policy.getByLabel('Always').check();
  await expect(policy.getByLabel('Always')).toBeChecked();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content Studio' }).click();
  await pick(page, 'My models', /GPT-4\.1 nano/);
  await page.getByLabel('Prompt').fill('Failing key, fallback on');
  await page.getByLabel('Images', { exact: true }).selectOption('0');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('Done');
  await expect(page.getByRole('status').filter({ hasText: 'continues on platform credits' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Steps' })).toContainText('Script on platform credits (fallback)');
  await expect(page.locator('body')).not.toContainText(key.slice(-12));
});
