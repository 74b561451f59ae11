// Key controls and caps in the browser (issue 19), as an owner on Pro uses them: pause and resume a key
// (a gateway call then goes to platform credits, or is refused under the "never" policy), order a
// provider's keys, rotate a key; note and clear an expiry date; cap a member and a runtime token where
// they are listed. The controls are driven from the keyboard where it matters, and every state is axe-checked.
import { type APIRequestContext, type Page, request } from '@playwright/test';
import { expectAccessible } from './a11y';
import { addKeyInUi, mask, openApiKeys, signInSeeded, testKey, toast, workspaceSlug } from './fixtures';
import { expect, test } from './test';

/** A tRPC mutation from the page, as the signed-in user; the body is always read. */
async function mutate(page: Page, path: string, json: Record<string, unknown>) {
  return page.evaluate(
    async ({ path, json }) => {
      const list = (await (await fetch('/api/trpc/workspace.list')).json()) as { result: { data: { json: { id: string; role: string }[] } } };
      const workspaceId = list.result.data.json.find((w) => w.role === 'owner')!.id;
      const r = await fetch(`/api/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ json: { workspaceId, ...json } }),
      });
      return { status: r.status, body: await r.text() };
    },
    { path, json },
  );
}

async function createRuntimeToken(page: Page, label: string): Promise<string> {
  const made = await mutate(page, 'developers.createRuntimeToken', { label });
  expect(made.status, made.body).toBe(200);
  return (JSON.parse(made.body) as { result: { data: { json: { token: string } } } }).result.data.json.token;
}

async function chat(api: APIRequestContext, token: string) {
  const r = await api.post('/api/gateway/openai/v1/chat/completions', {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    data: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'A fox in one line.' }] },
  });
  return { status: r.status(), body: await r.text() };
}

/** The newest gateway call on the Developers page says what paid for it. */
async function expectLatestCallPaidWith(page: Page, slug: string, paidWith: 'Credits' | 'Your key') {
  await page.goto(`/w/${slug}/settings/developers`);
  const calls = page.getByRole('region', { name: 'Recent gateway calls' });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(calls.getByRole('row').filter({ hasText: 'chat' }).first()).toContainText(paidWith, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
}

const localDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const shown = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

test('an owner pauses and resumes keys, orders them from the keyboard, and rotates one', async ({ page, baseURL }) => {
  test.setTimeout(150_000);
  await signInSeeded(page, 'owner-keyctl@e2e.test');
  const slug = workspaceSlug(page);
  const primaryKey = testKey('sk-proj-');
  const set = await mutate(page, 'models.setAiConfig', { mode: 'byok', provider: 'openai', apiKey: primaryKey, model: 'gpt-4.1-mini' });
  expect(set.status, set.body).toBe(200);
  const token = await createRuntimeToken(page, 'keyctl');

  // A second OpenAI key: it goes last in the failover order.
  await openApiKeys(page);
  const backupKey = testKey('sk-proj-');
  await page.getByRole('region', { name: 'OpenAI' }).getByRole('button', { name: 'Add key for OpenAI' }).click();
  const add = page.getByRole('dialog', { name: 'Add OpenAI key' });
  await add.getByLabel('Label').fill('backup');
  await add.getByLabel('API key').fill(backupKey);
  await add.getByRole('button', { name: 'Save key' }).click();
  await expect(add).toBeHidden();
  const primary = page.getByRole('listitem', { name: 'OpenAI key primary' });
  const backup = page.getByRole('listitem', { name: 'OpenAI key backup' });
  const openaiKeys = page.getByRole('list', { name: 'OpenAI keys' }).getByRole('listitem');
  await expect(primary).toContainText('Tried first');
  await expect(backup).toContainText('Tried 2nd');

  // Order, from the keyboard: focus stays on the moved key's buttons.
  await backup.getByRole('button', { name: 'Move OpenAI key backup up' }).focus();
  await page.keyboard.press('Enter');
  await expect(backup).toContainText('Tried first');
  await expect(primary).toContainText('Tried 2nd');
  await expect(openaiKeys.first()).toHaveAccessibleName('OpenAI key backup');
  await expect(backup.getByRole('button', { name: 'Move OpenAI key backup up' })).toBeDisabled();
  await expect(backup.getByRole('button', { name: 'Move OpenAI key backup down' })).toBeFocused();
  await page.reload();
  await expect(openaiKeys.first()).toHaveAccessibleName('OpenAI key backup');
  await expect(backup).toContainText('Tried first');
  await backup.getByRole('button', { name: 'Move OpenAI key backup down' }).focus();
  await page.keyboard.press('Enter');
  await expect(openaiKeys.first()).toHaveAccessibleName('OpenAI key primary');
  await expect(backup.getByRole('button', { name: 'Move OpenAI key backup up' })).toBeFocused();
  await expect(page.getByRole('list', { name: 'Key activity' })).toContainText('Reordered');

  // Pause both keys (the first from the keyboard: focus stays on the button, now Resume).
  await primary.getByRole('button', { name: 'Pause' }).focus();
  await page.keyboard.press('Space');
  await expect(primary.getByText('Paused', { exact: true })).toBeVisible();
  await expect(primary.getByRole('button', { name: 'Resume' })).toBeFocused();
  await expect(toast(page, 'OpenAI key primary paused')).toBeVisible();
  await backup.getByRole('button', { name: 'Pause' }).click();
  await expect(backup.getByText('Paused', { exact: true })).toBeVisible();
  await expect(primary).toContainText('treat this key as missing and try the next key');
  await expectAccessible(page, 'API Keys, two paused keys');

  // With every key paused, the "always" policy (the default) serves the call on platform credits…
  const api = await request.newContext({ baseURL });
  const fallback = await chat(api, token);
  expect(fallback.status, fallback.body).toBe(200);
  await expectLatestCallPaidWith(page, slug, 'Credits');
  // …and "never" refuses it, saying the key is paused.
  const never = await mutate(page, 'models.setFallbackPolicy', { fallbackPolicy: 'never' });
  expect(never.status, never.body).toBe(200);
  const refused = await chat(api, token);
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('is paused');

  // Resumed, the workspace's key serves the next call again.
  await openApiKeys(page);
  await primary.getByRole('button', { name: 'Resume' }).click();
  await backup.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByRole('list', { name: 'OpenAI keys' }).getByText('Paused', { exact: true })).toHaveCount(0);
  const served = await chat(api, token);
  expect(served.status, served.body).toBe(200);
  await api.dispose();
  await expectLatestCallPaidWith(page, slug, 'Your key');

  // Rotate: a bad new value is refused with a clear message and changes nothing…
  await openApiKeys(page);
  await primary.getByRole('button', { name: 'Rotate' }).click();
  const rotate = page.getByRole('dialog', { name: /Rotate OpenAI key “primary”/ });
  await rotate.getByLabel('API key').fill(testKey('sk-proj-', 'invalid'));
  await rotate.getByRole('button', { name: 'Save key' }).click();
  await expect(rotate.getByRole('alert')).toContainText('OpenAI rejected this key');
  await expectAccessible(page, 'Rotate dialog, new value refused');
  await rotate.getByRole('button', { name: 'Cancel' }).click();
  await expect(rotate).toBeHidden();
  await expect(primary).toContainText(mask(primaryKey));
  // …a working one is probed and swapped in under the same label and place.
  const rotatedKey = testKey('sk-proj-');
  await primary.getByRole('button', { name: 'Rotate' }).click();
  await rotate.getByLabel('API key').fill(rotatedKey);
  await rotate.getByRole('button', { name: 'Save key' }).click();
  await expect(rotate).toBeHidden();
  await expect(primary).toContainText(mask(rotatedKey));
  await expect(primary).not.toContainText(mask(primaryKey));
  await expect(primary).toContainText('Tried first');
  const activity = page.getByRole('list', { name: 'Key activity' });
  await expect(activity).toContainText('Rotated');
  await expect(activity).toContainText('Checked the new key');
  for (const raw of [primaryKey, backupKey, rotatedKey]) await expect(page.locator('body')).not.toContainText(raw.slice(-16));
  expect(await page.content()).not.toContain(rotatedKey.slice(-16));
});

test('an owner notes an expiry date on an existing key, sees it stand out in the last week, and clears it', async ({ page }) => {
  test.setTimeout(120_000);
  await signInSeeded(page, 'owner-keyexp@e2e.test');
  await addKeyInUi(page, 'Anthropic', testKey('sk-ant-api03-'));
  const item = page.getByRole('listitem', { name: 'Anthropic key primary' });
  await expect(item).not.toContainText('Expires');

  const later = new Date(Date.now() + 30 * 86_400_000);
  const open = item.getByRole('button', { name: 'Expiry date for Anthropic key primary' });
  await open.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Expiry date of Anthropic key “primary”' });
  await expect(dialog.getByRole('button', { name: 'Clear date' })).toHaveCount(0);
  await dialog.getByLabel('Expires on').fill(localDay(later));
  await expectAccessible(page, 'Expiry date dialog');
  await dialog.getByRole('button', { name: 'Save date' }).click();
  await expect(dialog).toBeHidden();
  await expect(item).toContainText(`Expires ${shown(later)}`);
  await expect(item.getByText('Expires soon')).toHaveCount(0);
  await page.reload();
  await expect(item).toContainText(`Expires ${shown(later)}`);

  // Within the week before, the key says so.
  const soon = new Date(Date.now() + 3 * 86_400_000);
  await open.click();
  await expect(dialog.getByLabel('Expires on')).toHaveValue(localDay(later));
  await dialog.getByLabel('Expires on').fill(localDay(soon));
  await dialog.getByRole('button', { name: 'Save date' }).click();
  await expect(dialog).toBeHidden();
  await expect(item).toContainText(`Expires ${shown(soon)}`);
  await expect(item.getByText('Expires soon', { exact: true })).toBeVisible();
  await expectAccessible(page, 'API Keys, a key expiring soon');

  await open.click();
  await dialog.getByRole('button', { name: 'Clear date' }).click();
  await expect(dialog).toBeHidden();
  await expect(toast(page, 'expiry date cleared')).toBeVisible();
  await expect(item).not.toContainText('Expires');
  await expect(page.getByRole('list', { name: 'Key activity' }).getByText('Expiry date', { exact: true })).toHaveCount(3);
});

test('an owner caps a member on Members and a runtime token on Developers; a member sees no cap controls', async ({ page, browser }) => {
  test.setTimeout(150_000);
  await signInSeeded(page, 'owner-caps@e2e.test');
  const slug = workspaceSlug(page);
  await createRuntimeToken(page, 'caps-token');

  await page.goto(`/w/${slug}/settings/members`);
  const memberRow = page.getByRole('list', { name: 'Workspace members' }).getByRole('listitem').filter({ hasText: 'Caps Member' });
  const memberCap = page.getByLabel('Monthly credit cap for Caps Member');
  await expect(memberCap).toHaveValue('');
  await memberCap.fill('2.5');
  await expect(memberRow.getByRole('alert')).toHaveText('A whole number of credits');
  await expect(page.getByRole('button', { name: 'Save cap for Caps Member' })).toBeDisabled();
  await memberCap.fill('250');
  await memberCap.press('Enter');
  await expect(toast(page, 'Cap set for Caps Member')).toBeVisible();
  await expect(memberRow).toContainText('0 of 250 credits used this month');
  await expectAccessible(page, 'Members, with caps');
  await page.reload();
  await expect(memberCap).toHaveValue('250');

  await page.goto(`/w/${slug}/settings/developers`);
  const tokenCap = page.getByLabel('Monthly credit cap for token caps-token');
  await tokenCap.fill('500');
  await page.getByRole('button', { name: 'Save cap for token caps-token' }).click();
  await expect(toast(page, 'Cap set for token caps-token')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Runtime tokens' })).toContainText('0 of 500 credits used this month');
  await expectAccessible(page, 'Developers, a capped runtime token');
  await page.reload();
  await expect(tokenCap).toHaveValue('500');

  // The Usage page's table shows the same caps, with the same editor.
  await page.goto(`/w/${slug}/settings/usage`);
  const table = page.getByRole('table', { name: 'Monthly credit caps' });
  await expect(table.getByLabel('Monthly credit cap for Caps Member')).toHaveValue('250');
  await expect(table.getByLabel(/Monthly credit cap for Token caps-token/)).toHaveValue('500');

  // Lifting a cap: empty means none.
  await page.goto(`/w/${slug}/settings/members`);
  await memberCap.fill('');
  await page.getByRole('button', { name: 'Save cap for Caps Member' }).click();
  await expect(toast(page, 'Cap lifted for Caps Member')).toBeVisible();
  await expect(memberRow).toContainText('0 credits used this month');

  const ctx = await browser.newContext();
  const mp = await ctx.newPage();
  await signInSeeded(mp, 'member-caps@e2e.test');
  await mp.goto(`/w/${slug}/settings/members`);
  await expect(mp.getByRole('list', { name: 'Workspace members' })).toContainText('Caps Member');
  await expect(mp.getByLabel(/Monthly credit cap/)).toHaveCount(0);
  await expect(mp.getByRole('button', { name: /Save cap/ })).toHaveCount(0);
  await expectAccessible(mp, 'Members, as a member');
  await ctx.close();
});
