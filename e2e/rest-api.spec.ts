// The REST contract of seed 001, run as `curl` would run it: the real production server, a personal
// access token created in the UI, and the fake providers behind the *_BASE_URL settings.
import { appendFileSync, readFileSync } from 'node:fs';
import { type APIResponse, request } from '@playwright/test';
import { expect, RECORD_DIR, test } from './test';
import { E2E_DATA_DIR } from '../playwright.config';
import { mask, signInSeeded, testKey } from './fixtures';

async function createTokenInUi(page: import('@playwright/test').Page, email: string): Promise<string> {
  await signInSeeded(page, email);
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('Token name').fill('ci');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  return token;
}

const responses: string[] = [];
async function record(r: APIResponse) {
  responses.push(`${r.status()} ${JSON.stringify(r.headers())} ${await r.text()}`);
  return r;
}

test('the seed examples work as written, and every error status answers as documented', async ({ page, browser, baseURL }) => {
  const token = await createTokenInUi(page, 'owner-rest@e2e.test');
  const workspaceId = await page.evaluate(async () => {
    const r = await fetch('/api/trpc/workspace.list');
    return ((await r.json()) as { result: { data: { json: { id: string; role: string }[] } } }).result.data.json.find((w) => w.role === 'owner')!.id;
  });
  const api = await request.newContext({ baseURL });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const put = async (path: string, body: unknown, h: Record<string, string> = headers) => record(await api.put(path, { headers: h, data: JSON.stringify(body) }));
  const get = async (path: string, h: Record<string, string> = headers) => record(await api.get(path, { headers: h }));
  const aiConfig = `/api/workspaces/${workspaceId}/ai-config`;

  const keys = { openai: testKey('sk-proj-'), anthropic: testKey('sk-ant-api03-'), google: testKey('AIza'), defaults: testKey('sk-ant-api03-') };

  // Set BYOK mode (OpenAI), then the provider-specific examples.
  let r = await put(aiConfig, { mode: 'byok', provider: 'openai', api_key: keys.openai, model: 'gpt-4o' });
  expect(r.status()).toBe(200);
  expect(await r.json()).toEqual({
    mode: 'byok', provider: 'openai', model: 'gpt-4o', has_api_key: true, api_key_hint: mask(keys.openai), reverted_tiers: [], removed_key: null,
  });
  expect(r.headers()['cache-control']).toContain('no-store');

  // Clear the key: the mode stays, and the answer names the key that went.
  r = await put(aiConfig, { mode: 'byok', provider: 'openai', api_key: null });
  expect(await r.json()).toEqual({
    mode: 'byok', provider: 'openai', model: 'gpt-4o', has_api_key: false, api_key_hint: null, reverted_tiers: [],
    removed_key: { provider: 'openai', label: 'primary', api_key_hint: mask(keys.openai) },
  });

  r = await put(aiConfig, { mode: 'byok', provider: 'anthropic', api_key: keys.anthropic, model: 'claude-sonnet-4-20250514' });
  expect(await r.json()).toMatchObject({ provider: 'anthropic', has_api_key: true });
  r = await put(aiConfig, { mode: 'byok', provider: 'google', api_key: keys.google, model: 'google/gemini-2.5-pro' });
  expect(await r.json()).toMatchObject({ provider: 'google', model: 'gemini-2.5-pro', has_api_key: true });

  // Back to managed: the key the config was using (Google's, the last one set) goes.
  r = await put(aiConfig, { mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514' });
  expect(await r.json()).toEqual({
    mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514', has_api_key: false, api_key_hint: null, reverted_tiers: [],
    removed_key: { provider: 'google', label: 'primary', api_key_hint: mask(keys.google) },
  });
  expect(await (await get(aiConfig)).json()).toMatchObject({ mode: 'managed' });

  // User defaults, then a new workspace that inherits them.
  r = await put('/api/users/me/ai-defaults', { mode: 'byok', provider: 'anthropic', api_key: keys.defaults, model: 'claude-sonnet-4-20250514' });
  expect(await r.json()).toMatchObject({ mode: 'byok', provider: 'anthropic', has_api_key: true, api_key_hint: mask(keys.defaults) });
  await page.goto('/new-workspace');
  await page.getByLabel('Workspace name').fill('From defaults');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/from-defaults-[0-9a-f]+\/studio$/);
  const newId = await page.evaluate(async () => {
    const res = await fetch('/api/trpc/workspace.list');
    return ((await res.json()) as { result: { data: { json: { id: string; name: string }[] } } }).result.data.json.find((w) => w.name === 'From defaults')!.id;
  });
  expect(await (await get(`/api/workspaces/${newId}/ai-config`)).json()).toEqual({
    mode: 'byok', provider: 'anthropic', model: 'claude-sonnet-4-20250514', has_api_key: true, api_key_hint: mask(keys.defaults),
  });

  // Errors.
  const bad = testKey('sk-proj-');
  expect((await put(aiConfig, { mode: 'byok', provider: 'openai', api_key: bad }, { 'Content-Type': 'application/json' })).status()).toBe(401);
  expect((await put('/api/workspaces/not-a-workspace/ai-config', { mode: 'managed', provider: 'openai' })).status()).toBe(404);
  expect((await put(aiConfig, { mode: 'byok', provider: 'nope', api_key: bad })).status()).toBe(400);
  r = await put(aiConfig, { mode: 'byok', provider: 'openai', api_key: `${bad}-invalid` });
  expect(r.status()).toBe(422);
  expect(await r.json()).toMatchObject({ error: { code: 'invalid_key' } });
  const memberCtx = await browser.newContext();
  const memberToken = await createTokenInUi(await memberCtx.newPage(), 'member-rest@e2e.test');
  expect((await put(aiConfig, { mode: 'managed', provider: 'openai' }, { ...headers, Authorization: `Bearer ${memberToken}` })).status()).toBe(403);
  await memberCtx.close();

  // OpenAPI.
  const doc = await (await get('/api/openapi.json', {})).json();
  expect(doc.openapi).toBe('3.1.0');

  // No key or token in any response or in the server's request log (the leak sweep searches these too).
  const everything = responses.join('\n');
  appendFileSync(`${RECORD_DIR}/responses.log`, `\n=== REST contract\n${everything}`);
  const log = readFileSync(`${E2E_DATA_DIR}/server.log`, 'utf8');
  expect(log).toContain('"msg":"rest request"');
  for (const secret of [...Object.values(keys), bad, token, memberToken]) {
    const tail = secret.slice(-14);
    expect(everything).not.toContain(tail);
    expect(log).not.toContain(tail);
  }
  await api.dispose();
});
