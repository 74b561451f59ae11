import type { Browser, Page } from '@playwright/test';
import { expect, test } from './test';
import { type Account, newAccount, signUp, workspaceSlug, workspaceSwitcher } from './fixtures';

async function inviteInUi(page: Page, email: string): Promise<string> {
  await page.getByLabel('Invite by email').fill(email);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const notice = page.getByRole('status').filter({ hasText: `Invitation for ${email}` });
  await expect(notice).toBeVisible();
  await expect(page.getByRole('list', { name: 'Pending invitations' })).toContainText(email);
  return (await notice.textContent()) ?? '';
}

/** The invitations the signed-in user of `page` is offered, from the API (what the banner shows). */
async function offered(page: Page): Promise<unknown[]> {
  const res = await page.request.get('/api/trpc/account.invitations');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { result: { data: { json: unknown[] } } }).result.data.json;
}

/** Signs `account` up in a fresh browser context and leaves it open on the studio page. */
async function signUpElsewhere(browser: Browser, account: Account): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signUp(page, account);
  await expect(page.getByRole('heading', { name: 'Content Studio' })).toBeVisible();
  return page;
}

test('an owner invites an address; the person signs up, accepts and appears among the members', async ({ page, browser }) => {
  const owner = newAccount('Ivy');
  const invitee = newAccount('Ian');
  const existing = newAccount('Erin');
  await (await signUpElsewhere(browser, existing)).context().close();

  await signUp(page, owner);
  const slug = workspaceSlug(page);
  await page.goto(`/w/${slug}/settings/members`);
  // The same confirmation whether or not an account uses the address.
  const forUnknown = await inviteInUi(page, invitee.email);
  const forExisting = await inviteInUi(page, existing.email);
  const generic = (text: string, email: string) => text.replace(email, '<email>').replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/, '<date>');
  expect(generic(forExisting, existing.email)).toBe(generic(forUnknown, invitee.email));
  await expect(page.getByRole('list', { name: 'Workspace members' })).not.toContainText(existing.email);

  const ip = await signUpElsewhere(browser, invitee);
  const banner = ip.getByRole('region', { name: 'Invitations' });
  await expect(banner).toContainText(`${owner.name} (${owner.email}) invited you to join ${owner.name}'s workspace.`);
  await banner.getByRole('button', { name: `Accept invitation to ${owner.name}'s workspace` }).click();
  await expect(ip).toHaveURL(new RegExp(`/w/${slug}/studio$`));
  await expect(workspaceSwitcher(ip)).toHaveAccessibleName(`Switch workspace (current: ${owner.name}'s workspace)`);
  await expect(ip.getByRole('region', { name: 'Invitations' })).toHaveCount(0);
  expect(await offered(ip)).toEqual([]);
  await ip.context().close();

  await page.reload();
  await expect(page.getByRole('list', { name: 'Workspace members' })).toContainText(invitee.email);
  await expect(page.getByRole('list', { name: 'Pending invitations' })).not.toContainText(invitee.email);
  await expect(page.getByRole('list', { name: 'Pending invitations' })).toContainText(existing.email);
});

test('revoking a pending invitation asks first and removes it; a declined one disappears too', async ({ page, browser }) => {
  const owner = newAccount('Rita');
  const revoked = newAccount('Rex');
  const decliner = newAccount('Dora');
  await signUp(page, owner);
  const slug = workspaceSlug(page);
  await page.goto(`/w/${slug}/settings/members`);
  await inviteInUi(page, revoked.email);
  await inviteInUi(page, decliner.email);
  const pending = page.getByRole('list', { name: 'Pending invitations' });

  await pending.getByRole('button', { name: `Revoke invitation for ${revoked.email}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke invitation?' });
  await expect(dialog).toContainText(revoked.email);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(pending).toContainText(revoked.email);

  await pending.getByRole('button', { name: `Revoke invitation for ${revoked.email}` }).click();
  await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `Invitation for ${revoked.email} revoked.` })).toBeVisible();
  await expect(pending).not.toContainText(revoked.email);

  // The revoked address signs up and sees no invitation.
  const rp = await signUpElsewhere(browser, revoked);
  expect(await offered(rp)).toEqual([]);
  await expect(rp.getByRole('region', { name: 'Invitations' })).toHaveCount(0);
  await rp.context().close();

  // The other declines: the banner goes, and they are not a member.
  const dp = await signUpElsewhere(browser, decliner);
  const banner = dp.getByRole('region', { name: 'Invitations' });
  await banner.getByRole('button', { name: `Decline invitation to ${owner.name}'s workspace` }).click();
  await expect(banner).toHaveCount(0);
  expect(await offered(dp)).toEqual([]);
  expect((await dp.goto(`/w/${slug}/studio`))?.status()).toBe(404);
  await dp.context().close();

  await page.reload();
  await expect(pending).toContainText('No pending invitations.');
  await expect(page.getByRole('list', { name: 'Workspace members' })).not.toContainText(decliner.email);
});
