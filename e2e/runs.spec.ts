// Runs outlive the page (issue 18): a run goes on when its tab closes and its page shows it finished;
// a reload mid-stream picks the stream up again without gaps or repeats; a second tab cancels it.
import { type Page } from '@playwright/test';
import { expect, test } from './test';
import { FAKE_PORT } from '../playwright.config';
import { lastStreamAborted, signInSeeded } from './fixtures';

const fake = `http://127.0.0.1:${FAKE_PORT}`;

async function pickMistral(page: Page) {
  await page.getByRole('button', { name: 'Model', exact: true }).click();
  await page.getByRole('dialog', { name: 'Choose a model: Model' }).getByRole('group', { name: 'Platform models' }).getByRole('option', { name: /Mistral Small/ }).click();
}

async function startRun(page: Page, prompt: string, images: string): Promise<string> {
  await pickMistral(page);
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByLabel('Images', { exact: true }).selectOption(images);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page).toHaveURL(/\?run=/);
  return new URL(page.url()).searchParams.get('run')!;
}

test.describe.configure({ mode: 'serial' });

test('a run goes on after its tab closes; its page later shows it finished, with its script and images', async ({ page, context, request }) => {
  await signInSeeded(page, 'owner-runs@e2e.test');
  const studio = page.url().replace(/\?.*$/, '');
  await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 100, chunks: 30 } });
  try {
    const runId = await startRun(page, 'A lighthouse keeper', '1');
    await expect(page.getByTestId('script')).toContainText('Scene');
    await page.close(); // the tab closes mid-stream

    const later = await context.newPage();
    await later.goto(studio.replace(/\/studio$/, `/runs/${runId}`));
    await expect(later.getByTestId('run-page-status')).toHaveText('Done', { timeout: 20_000 });
    await expect(later.getByTestId('script')).toContainText('A lighthouse keeper');
    await expect(later.locator('img[alt="Generated for this run"]')).toHaveCount(1);
  } finally {
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
  }
});

test('a reload mid-stream resumes the run: the script ends exactly as stored, without gaps or repeats', async ({ page, request }) => {
  await signInSeeded(page, 'owner-runs@e2e.test');
  await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 100, chunks: 30 } });
  try {
    const runId = await startRun(page, 'Reload me', '0');
    await expect(page.getByTestId('script')).toContainText('Scene');
    await page.reload();
    await expect(page.getByTestId('run-status')).toHaveText('Done', { timeout: 20_000 });
    const shown = await page.getByTestId('script').innerText();
    await page.goto(page.url().replace(/\/studio\?.*$/, `/runs/${runId}`));
    await expect(page.getByTestId('run-page-status')).toHaveText('Done');
    expect((await page.getByTestId('script').innerText()).trim()).toBe(shown.trim());
  } finally {
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
  }
});

test('Cancel from a second tab stops the run in the first, and the credits come back', async ({ page, context, request }) => {
  await signInSeeded(page, 'owner-runs@e2e.test');
  const before = Number((await page.getByTestId('credits').textContent())!.replace(/\D/g, ''));
  await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 400, chunks: 60 } });
  try {
    const runId = await startRun(page, 'Cancel me elsewhere', '1');
    await expect(page.getByTestId('script')).toContainText('Scene');
    const second = await context.newPage();
    await second.goto(page.url().replace(/\/studio\?.*$/, `/runs/${runId}`));
    await expect(second.getByTestId('script')).toContainText('Scene'); // the second tab watches it live
    await second.getByRole('button', { name: 'Cancel run' }).click();
    await expect(page.getByTestId('run-status')).toHaveText('Cancelled');
    await expect(second.getByTestId('run-page-status')).toHaveText('Cancelled');
    await expect(page.getByTestId('credits')).toHaveText(`${before.toLocaleString('en-US')} credits`);
    await expect.poll(() => lastStreamAborted(request, fake, 'mistral')).toBe(true);
  } finally {
    await request.post(`${fake}/__fake/latency`, { data: { chunkIntervalMs: 20, chunks: 12 } });
  }
});
