// The gateway from the Developers page, as an owner uses it: create a runtime token, take the lines for a
// runtime, call the provider through the gateway with the token (the workspace's own key serves it), see
// the call in the recent calls, revoke the token and see the next call refused.
import { request } from '@playwright/test';
import { expectAccessible } from './a11y';
import { signInSeeded, testKey, toast } from './fixtures';
import { expect, test } from './test';

test('an owner creates a runtime token, calls OpenAI through the gateway with it, sees the call, and revokes it', async ({ page, baseURL }) => {
  await signInSeeded(page, 'owner-gateway@e2e.test');
  const key = testKey('sk-proj-');
  // The workspace's own OpenAI key serves its gateway calls (byok).
  const set = await page.evaluate(async (apiKey) => {
    const list = (await (await fetch('/api/trpc/workspace.list')).json()) as { result: { data: { json: { id: string; role: string }[] } } };
    const workspaceId = list.result.data.json.find((w) => w.role === 'owner')!.id;
    const r = await fetch('/api/trpc/models.setAiConfig', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { workspaceId, mode: 'byok', provider: 'openai', apiKey, model: 'gpt-4.1-mini' } }),
    });
    return { status: r.status, body: await r.text() };
  }, key);
  expect(set.status, set.body).toBe(200);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Developers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Developers' })).toBeVisible();
  await expect(page.getByText('No runtime tokens yet.')).toBeVisible();
  await expectAccessible(page, 'Developers, no runtime tokens');

  // The setup lines name the gateway's address; the token is a placeholder until one is created.
  const env = page.getByRole('region', { name: 'OpenAI environment (.env)' });
  await expect(env).toContainText(`OPENAI_BASE_URL=${baseURL}/api/gateway/openai/v1`);
  await expect(env).toContainText('OPENAI_API_KEY=byok_rt_…');

  await page.getByLabel('Label', { exact: true }).fill('e2e-runtime');
  await page.getByRole('checkbox', { name: 'Brave Search' }).uncheck();
  await page.getByRole('button', { name: 'Create runtime token' }).click();
  const token = (await page.getByTestId('new-runtime-token').textContent())!.trim();
  expect(token).toMatch(/^byok_rt_/);
  await expect(env).toContainText(`OPENAI_API_KEY=${token}`);
  await page.getByRole('radio', { name: 'export' }).check();
  await expect(page.getByRole('region', { name: 'OpenAI environment (export)' })).toContainText(`export OPENAI_API_KEY=${token}`);
  await expect(page.getByRole('list', { name: 'Runtime tokens' })).toContainText('e2e-runtime');
  await expect(page.getByRole('list', { name: 'Runtime tokens' })).toContainText('OpenAI, Anthropic, Google, xAI, Mistral');
  await expectAccessible(page, 'Developers, a runtime token just created');

  // Code elsewhere calls OpenAI through the gateway with the token; the workspace's key serves it.
  const api = await request.newContext({ baseURL });
  const chat = () =>
    api.post('/api/gateway/openai/v1/chat/completions', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      data: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'A fox in one line.' }] },
    });
  const ok = await chat();
  expect(ok.status()).toBe(200);
  expect(((await ok.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content.length).toBeGreaterThan(0);
  // Brave was not allowed for this token.
  const brave = await api.get('/api/gateway/brave/res/v1/web/search?q=fox', { headers: { 'x-subscription-token': token } });
  expect(brave.status()).toBe(403);

  // Done hides the token for good; the lines go back to the placeholder.
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('new-runtime-token')).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);

  // The call is in the recent calls (recorded within a second), paid with the workspace's key.
  const calls = page.getByRole('region', { name: 'Recent gateway calls' });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(calls.getByRole('row').filter({ hasText: 'chat' }).filter({ hasText: '200' }).first()).toContainText('Your key', { timeout: 1000 });
  }).toPass({ timeout: 10_000 });

  // Revoked: the next call is refused, in OpenAI's error shape.
  await page.getByRole('button', { name: 'Revoke e2e-runtime' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(toast(page, 'Runtime token “e2e-runtime” revoked')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Runtime tokens' })).toContainText('Revoked');
  const refused = await chat();
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  await api.dispose();
});
