import { expect, test } from './test';
import { addKeyInUi, mask, openApiKeys, signInSeeded, testKey } from './fixtures';

const PROVIDERS = [
  { name: 'Anthropic', prefix: 'sk-ant-api03-' },
  { name: 'OpenAI', prefix: 'sk-proj-' },
  { name: 'Google', prefix: 'AQ.' },
  { name: 'xAI', prefix: 'xai-' },
  { name: 'Mistral', prefix: 'Mk' },
];

test('an owner on Pro adds, verifies, replaces and removes keys for all five providers', async ({ page }) => {
  await signInSeeded(page, 'owner-keys@e2e.test');
  await openApiKeys(page);

  for (const p of PROVIDERS) {
    const key = testKey(p.prefix);
    const row = page.getByRole('region', { name: p.name });
    await row.getByRole('button', { name: `Add key for ${p.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Add ${p.name} key` });
    await expect(dialog.getByLabel('Label')).toHaveValue('primary');
    const input = dialog.getByLabel('API key');
    await expect(input).toHaveAttribute('type', 'password');
    await expect(input).toHaveAttribute('autocomplete', 'off');
    await expect(input).toHaveAttribute('spellcheck', 'false');
    await input.fill(key);
    // Show/hide: the pasted key can be checked, and is hidden again before saving.
    await dialog.getByRole('button', { name: 'Show key' }).click();
    await expect(input).toHaveAttribute('type', 'text');
    await dialog.getByRole('button', { name: 'Show key' }).click();
    await expect(input).toHaveAttribute('type', 'password');
    await dialog.getByRole('button', { name: 'Save key' }).click();
    await expect(dialog).toBeHidden();
    const item = row.getByRole('listitem', { name: `${p.name} key primary` });
    await expect(item).toContainText(mask(key));
    await expect(item).toContainText('Active');
    await expect(page.locator('body')).not.toContainText(key);
  }

  // Verify: the result shows on the key that was verified.
  const openai = page.getByRole('listitem', { name: 'OpenAI key primary' });
  await openai.getByRole('button', { name: 'Verify' }).click();
  await expect(openai.getByRole('status').filter({ hasText: 'OpenAI accepted the key' })).toBeVisible();

  // Replace
  const newKey = testKey('sk-proj-');
  await openai.getByRole('button', { name: 'Replace' }).click();
  const replace = page.getByRole('dialog', { name: /Replace OpenAI key/ });
  await replace.getByLabel('API key').fill(newKey);
  await replace.getByRole('button', { name: 'Save key' }).click();
  await expect(replace).toBeHidden();
  await expect(openai).toContainText(mask(newKey));

  // Remove: Cancel keeps it, Remove deletes it
  const mistral = page.getByRole('listitem', { name: 'Mistral key primary' });
  await mistral.getByRole('button', { name: 'Remove' }).click();
  const confirm = page.getByRole('alertdialog', { name: /Remove Mistral key/ });
  await expect(confirm).toContainText('deleted permanently');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(mistral).toBeVisible();
  await mistral.getByRole('button', { name: 'Remove' }).click();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(mistral).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Mistral' })).toContainText('No key');
  // Focus went back to the Mistral card, not to the page.
  await expect(page.getByRole('heading', { name: 'Mistral' })).toBeFocused();
  await expect(page.getByRole('list', { name: 'Key activity' })).toContainText('Removed');
});

test('invalid, unpermitted and credit-less keys each get their own message and store nothing', async ({ page }) => {
  await signInSeeded(page, 'owner-fail@e2e.test');
  await openApiKeys(page);
  const row = page.getByRole('region', { name: 'Anthropic' });
  const cases = [
    ['invalid', /Anthropic rejected this key/],
    ['noperm', /not allowed to generate text/],
    ['nocredit', /no credit or quota left/],
  ] as const;
  for (const [scenario, message] of cases) {
    await row.getByRole('button', { name: 'Add key for Anthropic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Anthropic key' });
    await dialog.getByLabel('API key').fill(testKey('sk-ant-api03-', scenario));
    await dialog.getByRole('button', { name: 'Save key' }).click();
    await expect(dialog.getByRole('alert')).toHaveText(message);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(row).toContainText('No key');
  }
  // The field is empty when the dialog opens again.
  await row.getByRole('button', { name: 'Add key for Anthropic' }).click();
  await expect(page.getByRole('dialog', { name: 'Add Anthropic key' }).getByLabel('API key')).toHaveValue('');
});

test('a member sees the masked table without controls', async ({ page, browser }) => {
  await signInSeeded(page, 'owner-member@e2e.test');
  const key = testKey('xai-');
  await addKeyInUi(page, 'xAI', key);
  const slug = new URL(page.url()).pathname.split('/')[2];

  const ctx = await browser.newContext();
  const mp = await ctx.newPage();
  await signInSeeded(mp, 'member@e2e.test');
  await mp.goto(`/w/${slug}/settings/api-keys`);
  await expect(mp.getByRole('listitem', { name: 'xAI key primary' })).toContainText(mask(key));
  await expect(mp.getByRole('button', { name: /Add key/ })).toHaveCount(0);
  await expect(mp.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await expect(mp.getByRole('button', { name: 'Verify' })).toHaveCount(0);
  await expect(mp.getByText('Only the workspace owner can add')).toBeVisible();
  await ctx.close();
});

test('a Free workspace sees why BYOK is unavailable, and the API refuses with 403', async ({ page }) => {
  await signInSeeded(page, 'free@e2e.test');
  await openApiKeys(page);
  await expect(page.getByText(/available on the Pro, Ultra, Enterprise plans/)).toBeVisible();
  await expect(page.getByRole('button', { name: /Add key/ })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'See plans' })).toHaveAttribute('href', /\/settings\/plan$/);
  const workspaceId = await page.evaluate(async () => {
    const r = await fetch('/api/trpc/workspace.list');
    return ((await r.json()) as { result: { data: { json: { id: string }[] } } }).result.data.json[0]!.id;
  });
  const res = await page.request.post('/api/trpc/keys.create', {
    headers: { 'content-type': 'application/json', origin: new URL(page.url()).origin },
    data: { json: { workspaceId, provider: 'openai', label: 'primary', apiKey: testKey('sk-proj-') } },
  });
  expect(res.status()).toBe(403);
  expect(JSON.stringify(await res.json())).toMatch(/Pro, Ultra, Enterprise/);
});

test('the saved key appears in no page, RSC payload or browser storage', async ({ page }) => {
  await signInSeeded(page, 'owner-leak@e2e.test');
  const key = testKey('sk-proj-');
  await addKeyInUi(page, 'OpenAI', key);
  const secret = key.slice(-16);

  const html = await (await page.request.get(page.url())).text();
  const rsc = await (await page.request.get(page.url(), { headers: { RSC: '1' } })).text();
  const storage = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, c: document.cookie }));
  for (const text of [html, rsc, storage, await page.content()]) expect(text).not.toContain(secret);
  expect(html).toContain(mask(key));
});
