// Settings → Usage, as an owner uses it: empty at first; after gateway calls and a Content Studio run, the
// totals, the chart, the breakdown by model and a CSV export; caps and spend alerts below.
import { request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expectAccessible } from './a11y';
import { signInSeeded, testKey, workspaceSlug } from './fixtures';
import { expect, test } from './test';

test('an owner reads the usage page: totals, chart, breakdown, CSV export', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signInSeeded(page, 'owner-usage@e2e.test');
  const slug = workspaceSlug(page);
  await page.goto(`/w/${slug}/settings/usage`);
  await expect(page.getByRole('heading', { level: 1, name: 'Usage' })).toBeVisible();
  await expect(page.getByText('No usage in this range')).toBeVisible();

  // The workspace's OpenAI key serves a runtime token's gateway calls.
  const made = await page.evaluate(async (apiKey) => {
    const list = (await (await fetch('/api/trpc/workspace.list')).json()) as { result: { data: { json: { id: string; role: string }[] } } };
    const workspaceId = list.result.data.json.find((w) => w.role === 'owner')!.id;
    const post = async (path: string, json: unknown) => {
      const r = await fetch(`/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ json }) });
      return { status: r.status, body: await r.text() };
    };
    const config = await post('models.setAiConfig', { workspaceId, mode: 'byok', provider: 'openai', apiKey, model: 'gpt-4.1-mini' });
    const token = await post('developers.createRuntimeToken', { workspaceId, label: 'usage-e2e' });
    return { config, token };
  }, testKey('sk-proj-'));
  expect(made.config.status, made.config.body).toBe(200);
  const token = (JSON.parse(made.token.body) as { result: { data: { json: { token: string } } } }).result.data.json.token;
  const api = await request.newContext({ baseURL });
  for (let i = 0; i < 3; i++) {
    const r = await api.post('/api/gateway/openai/v1/chat/completions', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      data: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: `Usage ${i}` }] },
    });
    expect(r.status()).toBe(200);
    await r.body();
  }
  await api.dispose();

  // The calls are recorded within a second.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('table', { name: 'Usage breakdown' }).getByRole('row').filter({ hasText: 'Gateway' }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  const totals = page.getByLabel('Totals');
  await expect(totals).toContainText('Calls3');
  await expect(totals).toContainText('estimate');
  await expect(page.getByRole('application').and(page.locator('.recharts-surface'))).toBeVisible();

  await page.getByLabel('Group by').selectOption('model');
  await expect(page.getByRole('table', { name: 'Usage breakdown' })).toContainText('openai:gpt-4.1-mini');
  await page.getByLabel('Group by').selectOption('credential');
  await expect(page.getByRole('table', { name: 'Usage breakdown' })).toContainText('Your key');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync((await (await download).path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('period,credential,group_id,calls,runs,input_tokens,output_tokens,credits,estimated_cost_usd');
  expect(csv).toContain(',Your key,your_key,3,0,');

  await expect(page.getByRole('table', { name: 'Monthly credit caps' })).toContainText('usage-e2e');
  await expect(page.getByRole('table', { name: 'Monthly spend alerts' })).toContainText('openai');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: 'test-results/usage.png', fullPage: true, animations: 'disabled' });
  await expectAccessible(page, 'Usage, with calls');
});
