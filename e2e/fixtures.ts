import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, RECORD_DIR } from './test';

export type Account = { name: string; email: string; password: string };

export function newAccount(name = 'Owner'): Account {
  const id = randomBytes(4).toString('hex');
  return { name, email: `${name.toLowerCase()}-${id}@example.test`, password: `pw-${randomBytes(6).toString('hex')}` };
}

export async function signUp(page: Page, account: Account) {
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(account.name);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+\/studio$/);
}

export async function signIn(page: Page, account: Pick<Account, 'email' | 'password'>) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

export function workspaceSlug(page: Page): string {
  const m = /\/w\/([^/]+)\//.exec(new URL(page.url()).pathname);
  if (!m?.[1]) throw new Error(`not on a workspace page: ${page.url()}`);
  return m[1];
}

export const SEEDED_PASSWORD = 'e2e-password';

export async function signInSeeded(page: Page, email: string) {
  await signIn(page, { email, password: SEEDED_PASSWORD });
  await expect(page).toHaveURL(/\/w\/[^/]+\/studio$/);
}

/** Settings → API Keys, through the sidebar (Settings opens on API Keys). */
export async function openApiKeys(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
}

/** Settings → Models, through the sidebar. */
export async function openModels(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Models' })).toBeVisible();
}

/** A toast (in the notifications region) whose text contains `text`. */
export function toast(page: Page, text: string | RegExp) {
  return page.getByRole('region', { name: /^Notifications/ }).getByRole('listitem').filter({ hasText: text });
}

/** The workspace switcher at the top of the sidebar. */
export function workspaceSwitcher(page: Page) {
  return page.getByRole('button', { name: /^Switch workspace/ });
}

export async function switchWorkspace(page: Page, name: string) {
  await workspaceSwitcher(page).click();
  await page.getByRole('menuitemradio', { name }).click();
}

export async function openNewWorkspace(page: Page) {
  await workspaceSwitcher(page).click();
  await page.getByRole('menuitem', { name: 'New workspace' }).click();
  await expect(page).toHaveURL(/\/new-workspace(\?|$)/);
}

/** A canary key, recorded so the leak sweep can search everything the app emitted for it. */
export function testKey(prefix: string, scenario = ''): string {
  const secret = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
  mkdirSync(RECORD_DIR, { recursive: true });
  appendFileSync(`${RECORD_DIR}/canaries.txt`, `${secret}\n`);
  return `${prefix}e2e${secret}${scenario ? `-${scenario}` : ''}`;
}

export const mask = (key: string) => `${key.slice(0, 4)}…${key.slice(-4)}`;

/** Adds a key through Settings → Models → API Keys and waits for the dialog to close. */
export async function addKeyInUi(page: Page, provider: string, key: string) {
  await openApiKeys(page);
  await page.getByRole('region', { name: provider }).getByRole('button', { name: `Add key for ${provider}` }).click();
  const dialog = page.getByRole('dialog', { name: `Add ${provider} key` });
  await dialog.getByLabel('API key').fill(key);
  await dialog.getByRole('button', { name: 'Save key' }).click();
  await expect(dialog).toBeHidden();
}

/** Whether the fake provider saw the caller abort its latest streamed request for `provider`. */
export async function lastStreamAborted(request: APIRequestContext, fake: string, provider: string): Promise<boolean | undefined> {
  const calls = (await (await request.get(`${fake}/__fake/requests`)).json()) as { provider: string; stream: boolean; clientAborted: boolean }[];
  return calls.filter((c) => c.provider === provider && c.stream).at(-1)?.clientAborted;
}
