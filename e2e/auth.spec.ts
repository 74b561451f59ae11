import { expect, test } from './test';
import { newAccount, openNewWorkspace, signIn, signOut, signUp, switchWorkspace, workspaceSlug, workspaceSwitcher } from './fixtures';

test('sign up lands the new owner in a Free workspace with 250 credits; sign out and back in', async ({ page }) => {
  const account = newAccount('Alice');
  await signUp(page, account);
  await expect(page.getByRole('heading', { name: 'Content Studio' })).toBeVisible();
  await expect(page.getByTestId('plan')).toHaveText('Free plan');
  await expect(page.getByTestId('credits')).toHaveText('250 credits');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Content Studio' })).toBeVisible();

  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name.includes('session_token'));
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

  const me = (cookie: string) => page.request.get('/api/trpc/account.me', { headers: { cookie } });
  const oldCookie = `${session!.name}=${session!.value}`;
  expect((await me(oldCookie)).status()).toBe(200);

  await signOut(page);
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  // The signed-out session is dead at once, also for a copy of its cookie (no cached session survives).
  expect((await me(oldCookie)).status()).toBe(401);

  await signIn(page, account);
  await expect(page).toHaveURL(/\/w\/[^/]+\/studio$/);
  await expect(page.getByTestId('credits')).toHaveText('250 credits');
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  const account = newAccount('Bob');
  await signUp(page, account);
  await signOut(page);
  await signIn(page, { email: account.email, password: 'not-the-password' });
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a user switches between their workspaces', async ({ page }) => {
  await signUp(page, newAccount('Carol'));
  const first = workspaceSlug(page);
  await openNewWorkspace(page);
  // New workspace keeps the frame and a way back.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Back to / })).toHaveAttribute('href', `/w/${first}/studio`);
  await page.getByLabel('Workspace name').fill('Carol Labs');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/w\/carol-labs-[0-9a-f]+\/studio$/);
  await expect(workspaceSwitcher(page)).toHaveAccessibleName('Switch workspace (current: Carol Labs)');

  await switchWorkspace(page, "Carol's workspace");
  await expect(page).toHaveURL(new RegExp(`/w/${first}/studio$`));
  await expect(workspaceSwitcher(page)).toHaveAccessibleName("Switch workspace (current: Carol's workspace)");
});

test('settings pages each have their own URL in the sidebar, and old URLs still lead there', async ({ page }) => {
  await signUp(page, newAccount('Dana'));
  const slug = workspaceSlug(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/settings/api-keys$`));
  for (const [name, path] of [['API Keys', 'api-keys'], ['Models', 'models'], ['Members', 'members'], ['Developers', 'developers'], ['Plan & credits', 'plan']]) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/settings/${path}$`));
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  }
  // Keyboard: the sidebar links are reachable with Tab and followed with Enter.
  await nav.getByRole('link', { name: 'Models', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/settings/models$`));
  await page.goto(`/w/${slug}/settings/models?tab=models`);
  await expect(page.getByRole('heading', { level: 1, name: 'Models' })).toBeVisible();
  await page.goto(`/w/${slug}/settings`);
  await expect(page).toHaveURL(new RegExp(`/settings/api-keys$`));
});

test('a member cannot reach owner-only procedures, and outsiders get 404', async ({ page, browser }) => {
  const owner = newAccount('Owen');
  const member = newAccount('Mona');
  const outsider = newAccount('Otto');

  // The member and outsider have accounts; the member joins by accepting an invitation.
  for (const acc of [member, outsider]) {
    const ctx = await browser.newContext();
    await signUp(await ctx.newPage(), acc);
    await ctx.close();
  }

  await signUp(page, owner);
  const slug = workspaceSlug(page);
  await page.goto(`/w/${slug}/settings/members`);
  await page.getByLabel('Invite by email').fill(member.email);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Pending invitations' })).toContainText(member.email);
  await expect(page.getByRole('list', { name: 'Workspace members' })).not.toContainText(member.email);
  const workspaceId = await page.evaluate(async () => {
    const r = await fetch('/api/trpc/workspace.list');
    const body = (await r.json()) as { result: { data: { json: { id: string; role: string }[] } } };
    return body.result.data.json.find((w) => w.role === 'owner')!.id;
  });

  const memberCtx = await browser.newContext();
  const mp = await memberCtx.newPage();
  await signIn(mp, member);
  await expect(mp).toHaveURL(/\/studio$/);
  await mp.getByRole('button', { name: `Accept invitation to ${owner.name}'s workspace` }).click();
  await expect(mp).toHaveURL(new RegExp(`/w/${slug}/studio$`));
  await mp.goto(`/w/${slug}/settings/members`);
  await expect(mp.getByRole('list', { name: 'Workspace members' })).toContainText(owner.email);
  await expect(mp.getByRole('list', { name: 'Workspace members' })).toContainText(member.email);
  await expect(mp.getByRole('button', { name: 'Invite', exact: true })).toHaveCount(0);
  await expect(mp.getByRole('list', { name: 'Pending invitations' })).toHaveCount(0);
  await expect(mp.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  for (const [path, json] of [
    ['workspace.invite', { workspaceId, email: outsider.email }],
    ['workspace.revokeInvitation', { workspaceId, invitationId: 'anything' }],
  ] as const) {
    const res = await mp.request.post(`/api/trpc/${path}`, {
      headers: { 'content-type': 'application/json', origin: new URL(mp.url()).origin },
      data: { json },
    });
    expect(res.status()).toBe(403);
    expect((await res.json()).error.json.data.code).toBe('FORBIDDEN');
  }
  const list = await mp.request.get(`/api/trpc/workspace.invitations?input=${encodeURIComponent(JSON.stringify({ json: { workspaceId } }))}`);
  expect(list.status()).toBe(403);
  await memberCtx.close();

  // Removing a member asks first, names them, and Cancel changes nothing.
  await page.reload();
  const members = page.getByRole('list', { name: 'Workspace members' });
  await members.getByRole('button', { name: `Remove ${member.email}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Remove ${member.name}?` });
  await expect(confirm).toContainText(member.email);
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(members).toContainText(member.email);
  await members.getByRole('button', { name: `Remove ${member.email}` }).click();
  await confirm.getByRole('button', { name: 'Remove member' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `${member.name} was removed from the workspace.` })).toBeVisible();
  await expect(members).not.toContainText(member.email);

  const outCtx = await browser.newContext();
  const op = await outCtx.newPage();
  await signIn(op, outsider);
  await expect(op).toHaveURL(/\/studio$/);
  const notFound = await op.goto(`/w/${slug}/studio`);
  expect(notFound?.status()).toBe(404);
  const api = await op.request.get(`/api/trpc/workspace.get?input=${encodeURIComponent(JSON.stringify({ json: { workspaceId } }))}`);
  expect(api.status()).toBe(404);
  await outCtx.close();
});

test('cookie-authenticated mutations from another site are refused', async ({ page }) => {
  await signUp(page, newAccount('Csrf'));
  const res = await page.request.post('/api/trpc/workspace.create', {
    headers: { 'content-type': 'application/json', origin: 'https://evil.test' },
    data: { json: { name: 'Pwned' } },
  });
  expect(res.status()).toBe(403);
  const form = await page.request.post('/api/trpc/workspace.create', {
    headers: { 'content-type': 'text/plain' },
    data: JSON.stringify({ json: { name: 'Pwned' } }),
  });
  expect(form.status()).toBe(415);
  await page.reload();
  await workspaceSwitcher(page).click();
  await expect(page.getByRole('menuitemradio')).toHaveCount(1);
  await expect(page.getByRole('menuitemradio', { name: /Pwned/ })).toHaveCount(0);
});

test('changing the password on the Account page signs out the other session', async ({ page, browser }) => {
  const account = newAccount('Pat');
  await signUp(page, account);
  const phoneCtx = await browser.newContext();
  const phone = await phoneCtx.newPage();
  await signIn(phone, account);
  await expect(phone).toHaveURL(/\/studio$/);

  await page.goto('/account');
  const newPassword = `${account.password}-new`;
  await page.getByLabel('Current password').fill(account.password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed' })).toHaveText('Password changed. Your other sessions were signed out.');
  await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem')).toHaveCount(1);

  // The other browser is signed out at once; this one stays signed in.
  expect((await phone.request.get('/api/trpc/account.me')).status()).toBe(401);
  await phone.reload();
  await expect(phone).toHaveURL(/\/sign-in$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Account settings' })).toBeVisible();

  await signIn(phone, account);
  await expect(phone.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText('Wrong email or password.');
  await signIn(phone, { email: account.email, password: newPassword });
  await expect(phone).toHaveURL(/\/studio$/);
  await phoneCtx.close();
});

test('the Account page lists the sessions and signs another one out at once', async ({ page, browser }) => {
  const account = newAccount('Sam');
  await signUp(page, account);
  const otherCtx = await browser.newContext();
  const other = await otherCtx.newPage();
  await signIn(other, account);
  await expect(other).toHaveURL(/\/studio$/);

  await page.goto('/account');
  const sessions = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: 'This session' })).toHaveCount(1);
  await expect(sessions.first()).toContainText(/Chrome on \w+/);
  await expect(sessions.first()).toContainText('last active');
  await sessions.filter({ hasNotText: 'This session' }).getByRole('button', { name: /^Sign out/ }).click();
  await expect(sessions).toHaveCount(1);
  await expect(sessions).toContainText('This session');

  expect((await other.request.get('/api/trpc/account.me')).status()).toBe(401);
  await other.reload();
  await expect(other).toHaveURL(/\/sign-in$/);
  await otherCtx.close();
});

test('repeated wrong passwords for one account are slowed down with a clear message', async ({ page }) => {
  const account = newAccount('Tess');
  await signUp(page, account);
  await signOut(page);
  for (let i = 0; i < 5; i++) {
    await signIn(page, { email: account.email, password: `wrong-password-${i}` });
    await expect(page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText('Wrong email or password.');
  }
  // From now on each attempt waits for the one before (2 s, then 4 s, …): one of the next few is refused.
  let refusal = '';
  for (let i = 0; i < 3 && !refusal; i++) {
    await signIn(page, { email: account.email, password: 'wrong-password-again' });
    const alert = page.getByRole('alert').filter({ hasText: /Wrong|Too many/ });
    await expect(alert).toHaveText(/Wrong email or password\.|Too many failed sign-ins/);
    if ((await alert.innerText()).startsWith('Too many')) refusal = await alert.innerText();
  }
  expect(refusal).toMatch(/^Too many failed sign-ins for this account\. Try again in \d+ seconds?\.$/);
});
