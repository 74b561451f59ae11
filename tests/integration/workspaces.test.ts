import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { newId } from '~/server/ids';
import { setPlan } from '~/server/services/workspaces';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser } from '../helpers/fixtures';

await describeEachDb('workspaces', (getDb) => {
  const t = { get db() { return getDb().db; } };
  it('gives a new user an owned workspace on the Free plan with 250 credits', async () => {
    const u = await createUser(t.db, 'Owner');
    const list = await callerFor(t.db, u).workspace.list();
    expect(list).toEqual([expect.objectContaining({ role: 'owner', plan: 'free', creditBalance: 250 })]);
    const ledger = await t.db.creditLedger.findMany({ where: { workspaceId: u.workspace.id } });
    expect(ledger.map((l) => [l.kind, l.amount])).toEqual([['grant', 250]]);
  });

  it('refuses signed-out callers', async () => {
    await expect(callerFor(t.db, null).workspace.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const u = await createUser(t.db, 'Someone');
    await expect(callerFor(t.db, null).workspace.get({ workspaceId: u.workspace.id })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('answers NOT_FOUND, never data, for another workspace id', async () => {
    const a = await createUser(t.db, 'Alice');
    const b = await createUser(t.db, 'Bob');
    const asAlice = callerFor(t.db, a);
    await expect(asAlice.workspace.get({ workspaceId: b.workspace.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asAlice.workspace.members({ workspaceId: b.workspace.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      asAlice.workspace.invite({ workspaceId: b.workspace.id, email: a.email }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.db.invitation.count({ where: { workspaceId: b.workspace.id } })).toBe(0);
    await expect(asAlice.workspace.get({ workspaceId: 'does-not-exist' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.db.membership.count({ where: { workspaceId: b.workspace.id } })).toBe(1);
  });

  it('rejects malformed workspace ids without echoing them', async () => {
    const a = await createUser(t.db, 'Eve');
    const hostile = 'x'.repeat(5000) + '"; DROP TABLE workspace; --';
    const err = await callerFor(t.db, a).workspace.get({ workspaceId: hostile }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(JSON.stringify(err)).not.toContain('DROP TABLE');
  });

  it('makes an invited user a member once they accept, and lets the owner remove them', async () => {
    const owner = await createUser(t.db, 'Olivia');
    const other = await createUser(t.db, 'Max');
    const asOwner = callerFor(t.db, owner);
    const asMember = callerFor(t.db, other);
    const invitation = await asOwner.workspace.invite({ workspaceId: owner.workspace.id, email: other.email.toUpperCase() });
    expect(invitation).toMatchObject({ email: other.email, status: 'pending' });
    await expect(asMember.workspace.get({ workspaceId: owner.workspace.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await asMember.account.acceptInvitation({ invitationId: invitation.id });
    await expect(
      asOwner.workspace.invite({ workspaceId: owner.workspace.id, email: other.email }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    // The member now belongs to two workspaces and can read the shared one.
    expect((await asMember.workspace.list()).map((w) => w.role).sort()).toEqual(['member', 'owner']);
    expect(await asMember.workspace.get({ workspaceId: owner.workspace.id })).toMatchObject({ role: 'member' });

    await asOwner.workspace.removeMember({ workspaceId: owner.workspace.id, userId: other.id });
    await expect(asMember.workspace.get({ workspaceId: owner.workspace.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps owner-only procedures away from members', async () => {
    const owner = await createUser(t.db, 'Olga');
    const member = await createUser(t.db, 'Mia');
    const third = await createUser(t.db, 'Tom');
    const invitation = await callerFor(t.db, owner).workspace.invite({ workspaceId: owner.workspace.id, email: member.email });
    const asMember = callerFor(t.db, member);
    await asMember.account.acceptInvitation({ invitationId: invitation.id });
    await expect(
      asMember.workspace.invite({ workspaceId: owner.workspace.id, email: third.email }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asMember.workspace.invitations({ workspaceId: owner.workspace.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      asMember.workspace.removeMember({ workspaceId: owner.workspace.id, userId: owner.id }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await t.db.membership.count({ where: { workspaceId: owner.workspace.id } })).toBe(2);
  });

  it('never removes the owner, and invites an unknown address without saying it is unknown', async () => {
    const owner = await createUser(t.db, 'Oscar');
    const asOwner = callerFor(t.db, owner);
    await expect(
      asOwner.workspace.removeMember({ workspaceId: owner.workspace.id, userId: owner.id }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      asOwner.workspace.invite({ workspaceId: owner.workspace.id, email: 'nobody@example.test' }),
    ).resolves.toMatchObject({ email: 'nobody@example.test', status: 'pending' });
    expect(await t.db.membership.count({ where: { workspaceId: owner.workspace.id } })).toBe(1);
  });

  it('creates further workspaces owned by the caller, without free credits: those went to the first one', async () => {
    const u = await createUser(t.db, 'Multi');
    const ws = await callerFor(t.db, u).workspace.create({ name: 'Second' });
    expect(ws).toMatchObject({ name: 'Second', plan: 'free', creditBalance: 0 });
    expect(await t.db.creditLedger.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await callerFor(t.db, u).workspace.list()).toHaveLength(2);
    expect((await callerFor(t.db, u).workspace.get({ workspaceId: u.workspace.id })).creditBalance).toBe(250);
    await expect(callerFor(t.db, u).workspace.create({ name: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('grants the free credits exactly once when first workspaces are created concurrently', async () => {
    // A user without a workspace yet (sign-up's own creation racing the user's): every creation at once.
    const id = newId();
    await t.db.user.create({ data: { id, name: 'Racer', email: `racer-${id}@example.test` } });
    const user = { id, name: 'Racer', email: `racer-${id}@example.test` };
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => callerFor(t.db, user).workspace.create({ name: `Race ${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(8);
    const owned = await callerFor(t.db, user).workspace.list();
    expect(owned).toHaveLength(8);
    expect(owned.reduce((sum, w) => sum + w.creditBalance, 0)).toBe(250);
    const grants = await t.db.creditLedger.findMany({ where: { workspaceId: { in: owned.map((w) => w.id) } } });
    expect(grants.map((g) => [g.kind, g.amount])).toEqual([['grant', 250]]);
  });

  it('does not grant free credits again to users who got them before the grant was per user', async () => {
    const u = await createUser(t.db, 'Early adopter');
    // How the first grant was keyed before: per workspace.
    await t.db.creditLedger.updateMany({ where: { workspaceId: u.workspace.id, kind: 'grant' }, data: { idempotencyKey: `plan-grant:${u.workspace.id}:initial` } });
    const migration = await readFile(new URL('../../prisma/migrations/20261201142709_free_credits_per_user/migration.sql', import.meta.url), 'utf8');
    await t.db.$executeRawUnsafe(migration);
    const ws = await callerFor(t.db, u).workspace.create({ name: 'Later' });
    expect(ws.creditBalance).toBe(0);
    expect((await callerFor(t.db, u).workspace.get({ workspaceId: u.workspace.id })).creditBalance).toBe(250);
  });

  it('limits workspace creation to 10 an hour per user, creating nothing beyond', async () => {
    const u = await createUser(t.db, 'Prolific');
    const other = await createUser(t.db, 'Bystander');
    const asU = callerFor(t.db, u);
    for (let i = 0; i < 10; i++) await asU.workspace.create({ name: `Mine ${i}` });
    const err = await asU.workspace.create({ name: 'One too many' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/10 workspaces an hour/) });
    expect((err as { cause?: { details?: { retryAfterSeconds?: number } } }).cause?.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(await asU.workspace.list()).toHaveLength(11);
    // Another user is not affected.
    await expect(callerFor(t.db, other).workspace.create({ name: 'Theirs' })).resolves.toMatchObject({ name: 'Theirs' });
  });

  it('changes plans and grants the monthly credits once per plan and month', async () => {
    const u = await createUser(t.db, 'Planner');
    const now = new Date('2026-11-15T00:00:00Z');
    const first = await setPlan(t.db, { slug: u.workspace.slug, plan: 'pro', now });
    expect(first).toMatchObject({ granted: 2000, workspace: { plan: 'pro', creditBalance: 2250 } });
    const again = await setPlan(t.db, { slug: u.workspace.slug, plan: 'pro', now });
    expect(again).toMatchObject({ granted: 0, workspace: { creditBalance: 2250 } });
    const nextMonth = await setPlan(t.db, { slug: u.workspace.slug, plan: 'pro', now: new Date('2026-12-01T00:00:00Z') });
    expect(nextMonth.workspace.creditBalance).toBe(4250);
    await expect(setPlan(t.db, { slug: 'no-such-workspace', plan: 'pro' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(setPlan(t.db, { slug: u.workspace.slug, plan: 'gold' as never })).rejects.toThrow();
    expect((await t.db.workspace.findUniqueOrThrow({ where: { id: u.workspace.id } })).plan).toBe('pro');
  });
});
