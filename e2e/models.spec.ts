import { expect, test } from './test';
import { addKeyInUi, mask, openApiKeys, openModels, signInSeeded, testKey, toast } from './fixtures';

test('a new key brings its models to the picker and all tiers; a removed key reverts the tiers it served', async ({ page, browser }) => {
  await signInSeeded(page, 'owner-models@e2e.test');
  const key = testKey('sk-proj-');
  await addKeyInUi(page, 'OpenAI', key);

  await openModels(page);
  for (const tier of ['Fast', 'Standard', 'Premium']) {
    await page.getByRole('button', { name: tier, exact: true }).click();
    const picker = page.getByRole('dialog', { name: `Choose a model: ${tier}` });
    await expect(picker.getByRole('group', { name: 'My models' })).toBeVisible();
    await expect(picker.getByRole('group', { name: 'Platform models' })).toBeVisible();
    const nano = picker.getByRole('group', { name: 'My models' }).getByRole('option', { name: /GPT-4\.1 nano/ });
    await expect(nano).toBeVisible();
    await expect(nano).toContainText(`Your OpenAI key “primary” · ${mask(key)}`);
    await page.keyboard.press('Escape');
    await expect(picker).toBeHidden();
    await expect(page.getByRole('button', { name: tier, exact: true })).toBeFocused();
  }

  // Keyboard only: search, arrow to the model, Enter.
  await page.getByRole('button', { name: 'Standard', exact: true }).click();
  await page.keyboard.type('nano');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  // The chosen value reads as its list entry, focus is back on the button, and a toast confirms the save.
  const standard = page.getByRole('button', { name: 'Standard', exact: true });
  await expect(standard).toContainText('GPT-4.1 nano');
  await expect(standard).toContainText(`Your OpenAI key “primary” · ${mask(key)}`);
  await expect(standard).toBeFocused();
  await expect(toast(page, 'Standard now uses GPT-4.1 nano')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Standard', exact: true })).toContainText('GPT-4.1 nano');

  // A member can open the picker but cannot change the default.
  const slug = new URL(page.url()).pathname.split('/')[2];
  const ctx = await browser.newContext();
  const mp = await ctx.newPage();
  await signInSeeded(mp, 'member-models@e2e.test');
  await mp.goto(`/w/${slug}/settings/models`);
  await mp.getByRole('button', { name: 'Standard', exact: true }).click();
  const memberPicker = mp.getByRole('dialog', { name: 'Choose a model: Standard' });
  await expect(memberPicker.getByText('Only the workspace owner can change this.')).toBeVisible();
  await expect(memberPicker.getByRole('group', { name: 'Platform models' }).getByRole('option', { name: /GPT-4\.1 mini/ })).toBeDisabled();
  await mp.keyboard.press('ArrowDown');
  await mp.keyboard.press('Enter');
  await expect(mp.getByRole('button', { name: 'Standard', exact: true })).toContainText('GPT-4.1 nano');
  await ctx.close();

  // Remove the key: the confirmation names the tier that will change, and it reverts.
  await openApiKeys(page);
  await page.getByRole('listitem', { name: 'OpenAI key primary' }).getByRole('button', { name: 'Remove' }).click();
  const confirm = page.getByRole('alertdialog', { name: /Remove OpenAI key/ });
  // It names the tier and the model it reverts to.
  await expect(confirm.getByRole('note')).toContainText('Standard → Claude Sonnet 4');
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(toast(page, 'Standard → Claude Sonnet 4 (platform default)')).toBeVisible();
  await openModels(page);
  await expect(page.getByRole('button', { name: 'Standard', exact: true })).toContainText('Platform default');
});

test('the picker tells owners without keys where to add one', async ({ page }) => {
  await signInSeeded(page, 'owner-defaults@e2e.test');
  await page.goto(page.url().replace(/studio$/, 'settings/models'));
  await page.getByRole('button', { name: 'Fast', exact: true }).click();
  const picker = page.getByRole('dialog', { name: 'Choose a model: Fast' });
  await expect(picker.getByRole('link', { name: 'Add an API key' })).toBeVisible();
});

test('user AI defaults carry into a new workspace unless the owner opts out', async ({ page }) => {
  await signInSeeded(page, 'owner-defaults@e2e.test');
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('My own key').check();
  await page.getByLabel('Provider').selectOption('anthropic');
  // A picker, not free text.
  await page.getByLabel('Model', { exact: true }).click();
  await page.getByRole('dialog', { name: 'Choose a model (Anthropic)' }).getByRole('option', { name: /Claude Sonnet 4\b/ }).first().click();
  await expect(page.getByLabel('Model', { exact: true })).toContainText('claude-sonnet-4-20250514');
  const key = testKey('sk-ant-api03-');
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await expect(toast(page, 'Defaults saved.')).toBeVisible();
  await expect(page.getByText(`key ${mask(key)}`)).toBeVisible();

  await page.goto('/new-workspace');
  await page.getByLabel('Workspace name').fill('Inherited');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/inherited-[0-9a-f]+\/studio$/);
  await openApiKeys(page);
  await expect(page.getByRole('listitem', { name: 'Anthropic key primary' })).toContainText(mask(key));
});
