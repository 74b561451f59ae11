// A committed write survives the server being killed with SIGKILL and restarted (embedded database).
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { expect, test } from './test';
import { newAccount, openNewWorkspace, signIn, signUp, workspaceSwitcher } from './fixtures';

const PORT = 3219;
const DATA_DIR = '.data-e2e-kill';
const base = `http://localhost:${PORT}`;

function startServer(): ChildProcess {
  return spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(PORT), DATA_DIR, APP_URL: base, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true, // its own process group, so SIGKILL reaches npm, tsx and next alike
  });
}

async function waitUp() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${base}/sign-in`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('server did not start');
}

test('data is there after SIGKILL and restart', async ({ browser }) => {
  test.setTimeout(180_000);
  rmSync(DATA_DIR, { recursive: true, force: true });
  let server = startServer();
  try {
    await waitUp();
    const ctx = await browser.newContext({ baseURL: base });
    const page = await ctx.newPage();
    const account = newAccount('Kill');
    await signUp(page, account);
    await openNewWorkspace(page);
    await page.getByLabel('Workspace name').fill('Survivor');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expect(page).toHaveURL(/\/w\/survivor-[0-9a-f]+\/studio$/);
    await ctx.close();

    process.kill(-server.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    server = startServer();
    await waitUp();

    const ctx2 = await browser.newContext({ baseURL: base });
    const p2 = await ctx2.newPage();
    await signIn(p2, account);
    await expect(p2).toHaveURL(/\/studio$/);
    await workspaceSwitcher(p2).click();
    await expect(p2.getByRole('menuitemradio', { name: 'Survivor' })).toHaveCount(1);
    await ctx2.close();
  } finally {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
