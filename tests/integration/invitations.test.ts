// Invitations replace "add member": the owner's answer must not depend on whether an account uses the
// address, nobody joins without accepting, and only the addressee can accept or decline.
import { expect, it } from 'vitest';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { INVITE_LIMITS, MAX_PENDING_INVITATIONS } from '~/server/services/invitations';
import { limiterFor } from '~/server/services/rate-limit';
import { ensurePersonalWorkspace } from '~/server/services/workspaces';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser, type TestUser } from '../helpers/fixtures';

/** A user signing up with a chosen address, as the auth library would create them. */
async function signUpAs(db: Db, email: string, name = 'Invitee'): Promise<TestUser> {
  const id = newId();
  await db.user.create({ data: { id, name, email } });
  await ensurePersonalWorkspace(db, { id, name });
  return { id, name, email };
}

const freshEmail = (who = 'person') => `${who}-${newId().slice(0, 8).toLowerCase()}@example.test`;

/** The same client, recording every operation it runs (model, operation, and the text of raw SQL). */
function traced(db: Db): { db: Db; ops: string[] } {
  const ops: string[] = [];
  const ext = db.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const sql = operation.startsWith('$') ? JSON.stringify(args) : '';
        ops.push(`${model ?? '-'}.${operation}${sql ? ` ${sql}` : ''}`);
        return query(args);
      },
    },
  });
  return { db: ext as unknown as Db, ops };
}

await describeEachDb('invitations', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('answers an address with an account exactly as one without, and never looks accounts up', async () => {
    const owner = await createUser(t.db, 'Inviting Owner');
    const existing = await createUser(t.db, 'Has Account');
    const unknown = freshEmail('nobody');
    const ws = { workspaceId: owner.workspace.id };

    const answers: unknown[] = [];
    const traces: string[][] = [];
    for (const email of [existing.email, unknown]) {
      const { db, ops } = traced(t.db);
      const r = await callerFor(db, owner).workspace.invite({ ...ws, email });
      expect(r.email).toBe(email);
      answers.push({ ...r, id: typeof r.id, email: typeof r.email, createdAt: typeof r.createdAt, expiresAt: r.expiresAt.getTime() - r.createdAt.getTime() });
      traces.push(ops.map((o) => o.replaceAll(owner.workspace.id, 'WS').replaceAll(owner.id, 'OWNER')));
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toMatchObject({ status: 'pending', expiresAt: 14 * 86_400_000 });
    // Same statements in the same order for both addresses; the only user rows read are the members'.
    expect(traces[0]).toEqual(traces[1]);
    expect(traces[0]!.filter((o) => /^User\.|"user"/i.test(o))).toEqual([]);

    // Nobody joined: the existing account is not a member until it accepts.
    await expect(callerFor(t.db, existing).workspace.get(ws)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.db.membership.count({ where: { workspaceId: owner.workspace.id } })).toBe(1);
    const listed = await callerFor(t.db, owner).workspace.invitations(ws);
    expect(listed.map((i) => i.email).sort()).toEqual([existing.email, unknown].sort());
  });

  it('normalises the address, refreshes a pending invitation instead of adding one, and says "already a member"', async () => {
    const owner = await createUser(t.db, 'Norm Owner');
    const member = await createUser(t.db, 'Norm Member');
    await t.db.membership.create({ data: { workspaceId: owner.workspace.id, userId: member.id, role: 'member' } });
    const asOwner = callerFor(t.db, owner);
    const ws = { workspaceId: owner.workspace.id };
    const email = freshEmail('casey');

    const first = await asOwner.workspace.invite({ ...ws, email: `  ${email.toUpperCase()} ` });
    expect(first.email).toBe(email);
    await t.db.invitation.update({ where: { id: first.id }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    const again = await asOwner.workspace.invite({ ...ws, email });
    expect(again.id).toBe(first.id);
    expect(again.expiresAt.getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect(await t.db.invitation.count({ where: { workspaceId: ws.workspaceId } })).toBe(1);

    for (const who of [member.email.toUpperCase(), owner.email]) {
      await expect(asOwner.workspace.invite({ ...ws, email: who })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already a member') });
    }
    await expect(asOwner.workspace.invite({ ...ws, email: 'not an email' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await t.db.invitation.count({ where: { workspaceId: ws.workspaceId } })).toBe(1);
  });

  it('keeps inviting, listing and revoking to the owner: members get FORBIDDEN, outsiders NOT_FOUND', async () => {
    const owner = await createUser(t.db, 'Gate Owner');
    const member = await createUser(t.db, 'Gate Member');
    const outsider = await createUser(t.db, 'Gate Outsider');
    await t.db.membership.create({ data: { workspaceId: owner.workspace.id, userId: member.id, role: 'member' } });
    const ws = { workspaceId: owner.workspace.id };
    const inv = await callerFor(t.db, owner).workspace.invite({ ...ws, email: freshEmail() });

    for (const [user, code] of [[member, 'FORBIDDEN'], [outsider, 'NOT_FOUND'], [null, 'UNAUTHORIZED']] as const) {
      const c = callerFor(t.db, user);
      await expect(c.workspace.invite({ ...ws, email: freshEmail() })).rejects.toMatchObject({ code });
      await expect(c.workspace.invitations(ws)).rejects.toMatchObject({ code });
      await expect(c.workspace.revokeInvitation({ ...ws, invitationId: inv.id })).rejects.toMatchObject({ code });
    }
    expect(await t.db.invitation.findMany({ where: { workspaceId: ws.workspaceId }, select: { id: true, status: true } })).toEqual([{ id: inv.id, status: 'pending' }]);
    // No rate-limit slot was spent by the refused callers either.
    expect(await t.db.rateLimiterFlexible.count({ where: { key: { contains: member.id } } })).toBe(0);
  });

  it('answers NOT_FOUND for another workspace id and for an invitation of another workspace', async () => {
    const a = await createUser(t.db, 'Owner A');
    const b = await createUser(t.db, 'Owner B');
    const invB = await callerFor(t.db, b).workspace.invite({ workspaceId: b.workspace.id, email: freshEmail() });
    const asA = callerFor(t.db, a);
    await expect(asA.workspace.invite({ workspaceId: b.workspace.id, email: freshEmail() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asA.workspace.invitations({ workspaceId: b.workspace.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asA.workspace.revokeInvitation({ workspaceId: b.workspace.id, invitationId: invB.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Through A's own workspace, B's invitation does not exist.
    await expect(asA.workspace.revokeInvitation({ workspaceId: a.workspace.id, invitationId: invB.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asA.workspace.invite({ workspaceId: 'does-not-exist', email: freshEmail() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.db.invitation.findUniqueOrThrow({ where: { id: invB.id } })).status).toBe('pending');
    expect(await t.db.invitation.count({ where: { workspaceId: b.workspace.id } })).toBe(1);
  });

  it('shows the invitation to whoever signs up with the address afterwards; accepting makes them a member', async () => {
    const owner = await createUser(t.db, 'Welcome Owner');
    const ws = { workspaceId: owner.workspace.id };
    const email = freshEmail('newcomer');
    const inv = await callerFor(t.db, owner).workspace.invite({ ...ws, email });

    const newcomer = await signUpAs(t.db, email, 'Newcomer');
    const asNewcomer = callerFor(t.db, newcomer);
    expect(await asNewcomer.account.invitations()).toEqual([
      { id: inv.id, workspaceName: owner.workspace.name, invitedBy: { name: owner.name, email: owner.email }, createdAt: inv.createdAt, expiresAt: inv.expiresAt },
    ]);
    // Somebody else sees nothing of it.
    expect(await callerFor(t.db, await createUser(t.db, 'Bystander')).account.invitations()).toEqual([]);

    const joined = await asNewcomer.account.acceptInvitation({ invitationId: inv.id });
    expect(joined.workspace).toEqual({ id: owner.workspace.id, slug: owner.workspace.slug, name: owner.workspace.name });
    expect(await asNewcomer.workspace.get(ws)).toMatchObject({ role: 'member' });
    expect(await asNewcomer.account.invitations()).toEqual([]);
    expect(await callerFor(t.db, owner).workspace.invitations(ws)).toEqual([]);
    expect((await callerFor(t.db, owner).workspace.members(ws)).map((m) => [m.email, m.role])).toEqual([[owner.email, 'owner'], [email, 'member']]);
    expect(await t.db.invitation.findUniqueOrThrow({ where: { id: inv.id }, select: { status: true, decidedAt: true } })).toMatchObject({ status: 'accepted', decidedAt: expect.any(Date) });

    // Idempotent: accepting again answers the same workspace and adds nothing.
    expect(await asNewcomer.account.acceptInvitation({ invitationId: inv.id })).toEqual(joined);
    expect(await t.db.membership.count({ where: { workspaceId: ws.workspaceId, userId: newcomer.id } })).toBe(1);

    // Once removed, the old invitation is not a way back in.
    await callerFor(t.db, owner).workspace.removeMember({ ...ws, userId: newcomer.id });
    await expect(asNewcomer.account.acceptInvitation({ invitationId: inv.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asNewcomer.workspace.get(ws)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('creates the membership exactly once when the same invitation is accepted concurrently', async () => {
    const owner = await createUser(t.db, 'Race Owner');
    const email = freshEmail('racer');
    const inv = await callerFor(t.db, owner).workspace.invite({ workspaceId: owner.workspace.id, email });
    const racer = await signUpAs(t.db, email, 'Racer');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => callerFor(t.db, racer).account.acceptInvitation({ invitationId: inv.id })));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('fulfilled'));
    expect(new Set(results.map((r) => (r as PromiseFulfilledResult<{ workspace: { id: string } }>).value.workspace.id))).toEqual(new Set([owner.workspace.id]));
    expect(await t.db.membership.findMany({ where: { workspaceId: owner.workspace.id, userId: racer.id }, select: { role: true } })).toEqual([{ role: 'member' }]);
  });

  it('refuses to accept declined, revoked and expired invitations, all with the same NOT_FOUND', async () => {
    const owner = await createUser(t.db, 'Refusing Owner');
    const ws = { workspaceId: owner.workspace.id };
    const asOwner = callerFor(t.db, owner);
    const [dEmail, rEmail, eEmail] = [freshEmail('decliner'), freshEmail('revoked'), freshEmail('late')];
    const declined = await asOwner.workspace.invite({ ...ws, email: dEmail });
    const revoked = await asOwner.workspace.invite({ ...ws, email: rEmail });
    const expired = await asOwner.workspace.invite({ ...ws, email: eEmail });
    const [decliner, revokedUser, late] = await Promise.all([signUpAs(t.db, dEmail), signUpAs(t.db, rEmail), signUpAs(t.db, eEmail)]);

    await callerFor(t.db, decliner).account.declineInvitation({ invitationId: declined.id });
    await callerFor(t.db, decliner).account.declineInvitation({ invitationId: declined.id }); // a repeat is a no-op
    await asOwner.workspace.revokeInvitation({ ...ws, invitationId: revoked.id });
    await t.db.invitation.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    // The owner sees the expired one (to invite again), not the decided ones.
    expect((await asOwner.workspace.invitations(ws)).map((i) => [i.email, i.status])).toEqual([[eEmail, 'expired']]);

    const messages = new Set<string>();
    for (const [user, id] of [[decliner, declined.id], [revokedUser, revoked.id], [late, expired.id]] as const) {
      expect(await callerFor(t.db, user).account.invitations()).toEqual([]);
      const err = await callerFor(t.db, user).account.acceptInvitation({ invitationId: id }).catch((e: unknown) => e as { code: string; message: string });
      expect(err).toMatchObject({ code: 'NOT_FOUND' });
      messages.add((err as { message: string }).message);
      await expect(callerFor(t.db, user).workspace.get(ws)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(messages.size).toBe(1);
    await expect(callerFor(t.db, late).account.declineInvitation({ invitationId: expired.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asOwner.workspace.revokeInvitation({ ...ws, invitationId: declined.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const statuses = await t.db.invitation.findMany({ where: { workspaceId: ws.workspaceId }, select: { email: true, status: true } });
    expect(Object.fromEntries(statuses.map((s) => [s.email, s.status]))).toEqual({ [dEmail]: 'declined', [rEmail]: 'revoked', [eEmail]: 'expired' });
    expect(await t.db.membership.count({ where: { workspaceId: ws.workspaceId } })).toBe(1);
  });

  it('renews a decided invitation under a new id: the old id stays refused', async () => {
    const owner = await createUser(t.db, 'Renew Owner');
    const ws = { workspaceId: owner.workspace.id };
    const email = freshEmail('again');
    const first = await callerFor(t.db, owner).workspace.invite({ ...ws, email });
    await callerFor(t.db, owner).workspace.revokeInvitation({ ...ws, invitationId: first.id });
    const second = await callerFor(t.db, owner).workspace.invite({ ...ws, email });
    expect(second.id).not.toBe(first.id);
    const invitee = await signUpAs(t.db, email);
    await expect(callerFor(t.db, invitee).account.acceptInvitation({ invitationId: first.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await callerFor(t.db, invitee).account.invitations()).map((i) => i.id)).toEqual([second.id]);
    await callerFor(t.db, invitee).account.acceptInvitation({ invitationId: second.id });
    expect(await callerFor(t.db, invitee).workspace.get(ws)).toMatchObject({ role: 'member' });
  });

  it("never lets another user accept or decline someone else's invitation", async () => {
    const owner = await createUser(t.db, 'Thief Owner');
    const ws = { workspaceId: owner.workspace.id };
    const email = freshEmail('rightful');
    const inv = await callerFor(t.db, owner).workspace.invite({ ...ws, email });
    const thief = await createUser(t.db, 'Thief');
    const asThief = callerFor(t.db, thief);
    await expect(asThief.account.acceptInvitation({ invitationId: inv.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(asThief.account.declineInvitation({ invitationId: inv.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(callerFor(t.db, owner).account.acceptInvitation({ invitationId: inv.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(callerFor(t.db, null).account.acceptInvitation({ invitationId: inv.id })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(asThief.workspace.get(ws)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.db.invitation.findUniqueOrThrow({ where: { id: inv.id } })).status).toBe('pending');

    const rightful = await signUpAs(t.db, email, 'Rightful');
    await callerFor(t.db, rightful).account.acceptInvitation({ invitationId: inv.id });
    expect(await t.db.membership.count({ where: { workspaceId: ws.workspaceId } })).toBe(2);
  });

  it('limits invitations per workspace and per owner, and caps the pending ones', async () => {
    const owner = await createUser(t.db, 'Busy Owner');
    const ws = { workspaceId: owner.workspace.id };
    const asOwner = callerFor(t.db, owner);
    for (let i = 0; i < INVITE_LIMITS.workspace.points; i++) await asOwner.workspace.invite({ ...ws, email: freshEmail(`bulk${i}`) });
    await expect(asOwner.workspace.invite({ ...ws, email: freshEmail() })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      cause: { reason: 'invite_rate_limited' },
    });
    expect(await t.db.invitation.count({ where: { workspaceId: ws.workspaceId } })).toBe(INVITE_LIMITS.workspace.points);

    // Per owner: a new workspace does not bring a fresh allowance.
    const second = await asOwner.workspace.create({ name: 'Second shop' });
    await limiterFor(t.db, INVITE_LIMITS.owner).penalty(owner.id, INVITE_LIMITS.owner.points);
    await expect(asOwner.workspace.invite({ workspaceId: second.id, email: freshEmail() })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(await t.db.invitation.count({ where: { workspaceId: second.id } })).toBe(0);

    // The cap: at most MAX_PENDING_INVITATIONS unexpired pending ones; expired ones do not count.
    const capped = await createUser(t.db, 'Capped Owner');
    const now = Date.now();
    const rows = (n: number, expiresAt: Date) => Array.from({ length: n }, (_, i) => ({
      id: newId(), workspaceId: capped.workspace.id, email: `filler${i}-${expiresAt.getTime()}@example.test`, invitedById: capped.id, expiresAt,
    }));
    await t.db.invitation.createMany({ data: [...rows(MAX_PENDING_INVITATIONS - 1, new Date(now + 86_400_000)), ...rows(5, new Date(now - 1000))] });
    const asCapped = callerFor(t.db, capped);
    const last = await asCapped.workspace.invite({ workspaceId: capped.workspace.id, email: freshEmail('last') });
    await expect(asCapped.workspace.invite({ workspaceId: capped.workspace.id, email: freshEmail('over') })).rejects.toMatchObject({
      code: 'CONFLICT',
      cause: { reason: 'too_many_invitations' },
    });
    // Refreshing one that is pending still works at the cap.
    expect((await asCapped.workspace.invite({ workspaceId: capped.workspace.id, email: last.email })).id).toBe(last.id);
  });
});
