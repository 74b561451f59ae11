// "Request upgrade" (issue 20): owners ask for a bigger plan, the operator lists the open requests and
// set-plan closes the one it satisfies.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listUpgradeRequests, resolveUpgradeRequest } from '~/server/services/upgrade-requests';
import { setPlan } from '~/server/services/workspaces';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser, proWorkspace, setWorkspacePlan } from '../helpers/fixtures';

await describeEachDb('upgrade requests', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('records an owner’s request once per workspace: asking again updates it', async () => {
    const owner = await createUser(t.db, 'Asker');
    const caller = callerFor(t.db, owner);
    const workspaceId = owner.workspace.id;
    expect(await caller.billing.upgradeRequest({ workspaceId })).toBeNull();

    const first = await caller.billing.requestUpgrade({ workspaceId, plan: 'pro', note: 'Launch next week' });
    expect(first).toMatchObject({ plan: 'pro', note: 'Launch next week', requestedBy: 'Asker' });
    const again = await caller.billing.requestUpgrade({ workspaceId, plan: 'ultra' });
    expect(again).toMatchObject({ plan: 'ultra', note: null });

    expect(await t.db.upgradeRequest.count({ where: { workspaceId } })).toBe(1);
    expect(await caller.billing.upgradeRequest({ workspaceId })).toMatchObject({ plan: 'ultra' });
    const listed = (await listUpgradeRequests(t.db)).filter((r) => r.workspace.slug === owner.workspace.slug);
    expect(listed).toEqual([expect.objectContaining({ plan: 'ultra', status: 'open', requestedBy: { name: 'Asker', email: owner.email } })]);
  });

  it('keeps one open request when two owners’ tabs ask at once', async () => {
    const owner = await createUser(t.db, 'Racer');
    const caller = callerFor(t.db, owner);
    const workspaceId = owner.workspace.id;
    const results = await Promise.allSettled([
      caller.billing.requestUpgrade({ workspaceId, plan: 'pro' }),
      caller.billing.requestUpgrade({ workspaceId, plan: 'enterprise' }),
    ]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await t.db.upgradeRequest.count({ where: { workspaceId, status: 'open' } })).toBe(1);
  });

  it('refuses a plan that is not above the current one, and members, and changes nothing', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Refuse');
    await expect(callerFor(t.db, owner).billing.requestUpgrade({ workspaceId, plan: 'pro' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(callerFor(t.db, owner).billing.requestUpgrade({ workspaceId, plan: 'free' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(callerFor(t.db, member).billing.requestUpgrade({ workspaceId, plan: 'ultra' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const outsider = await createUser(t.db, 'Outsider');
    await expect(callerFor(t.db, outsider).billing.requestUpgrade({ workspaceId, plan: 'ultra' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.db.upgradeRequest.count({ where: { workspaceId } })).toBe(0);
    // Members may see that one is pending.
    await callerFor(t.db, owner).billing.requestUpgrade({ workspaceId, plan: 'ultra' });
    expect(await callerFor(t.db, member).billing.upgradeRequest({ workspaceId })).toMatchObject({ plan: 'ultra', requestedBy: 'Refuse Owner' });
  });

  it('refuses a note that could carry terminal escapes or several lines, without echoing it', async () => {
    const owner = await createUser(t.db, 'Escaper');
    const caller = callerFor(t.db, owner);
    for (const note of ['\u001b[2J\u001b[31mPAY NOW', 'line one\nline two', 'x'.repeat(501), 'bidi \u202e trick']) {
      const err = await caller.billing.requestUpgrade({ workspaceId: owner.workspace.id, plan: 'pro', note }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(JSON.stringify(err)).not.toContain(note.slice(0, 12));
    }
    expect(await t.db.upgradeRequest.count({ where: { workspaceId: owner.workspace.id } })).toBe(0);
  });

  it('is closed by a plan that meets it, and stays open for a smaller one', async () => {
    const owner = await createUser(t.db, 'Closer');
    const workspaceId = owner.workspace.id;
    await callerFor(t.db, owner).billing.requestUpgrade({ workspaceId, plan: 'ultra' });

    await setPlan(t.db, { slug: owner.workspace.slug, plan: 'pro' });
    expect(await resolveUpgradeRequest(t.db, workspaceId, 'pro')).toBe(false);
    expect(await callerFor(t.db, owner).billing.upgradeRequest({ workspaceId })).toMatchObject({ plan: 'ultra' });

    await setWorkspacePlan(t.db, workspaceId, 'ultra');
    expect(await resolveUpgradeRequest(t.db, workspaceId, 'ultra')).toBe(true);
    expect(await callerFor(t.db, owner).billing.upgradeRequest({ workspaceId })).toBeNull();
    const all = (await listUpgradeRequests(t.db, { all: true })).filter((r) => r.workspace.slug === owner.workspace.slug);
    expect(all).toEqual([expect.objectContaining({ status: 'done', resolvedAt: expect.any(Date) })]);
    expect((await listUpgradeRequests(t.db)).some((r) => r.workspace.slug === owner.workspace.slug)).toBe(false);

    // A later request opens a new one beside the closed one.
    await callerFor(t.db, owner).billing.requestUpgrade({ workspaceId, plan: 'enterprise' });
    expect(await t.db.upgradeRequest.count({ where: { workspaceId } })).toBe(2);
  });
});

it('the operator command runs against a fresh embedded database and says there is nothing to do', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'byok-upgrades-'));
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      'npx',
      ['tsx', '--conditions=react-server', 'scripts/admin.ts', 'upgrade-requests'],
      { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, timeout: 90_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  expect(out.trim()).toBe('No open upgrade requests.');
}, 120_000);

it('the operator command answers --help with its commands, as help does', async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile('npx', ['tsx', '--conditions=react-server', 'scripts/admin.ts', '--help'], { timeout: 90_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  expect(out).toContain('Usage: npm run admin -- <command>');
  expect(out).toContain('set-plan');
}, 120_000);
