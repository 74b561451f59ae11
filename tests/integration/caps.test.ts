// Monthly credit caps per member and per runtime token (issue 19): reserve() refuses past the cap with
// cap_reached, whatever the concurrency; owners set them.
import { expect, it } from 'vitest';
import { release, reserve, settle, usedThisMonth } from '~/server/services/credits';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { describeEachDb, describePostgres } from '../helpers/db';
import { callerFor, createUser, proWorkspace } from '../helpers/fixtures';

async function cappedWorld(db: Parameters<typeof proWorkspace>[0], cap: number) {
  const { owner, member, workspaceId } = await proWorkspace(db, `Caps ${Math.random().toString(36).slice(2, 7)}`);
  await db.workspace.update({ where: { id: workspaceId }, data: { creditBalance: 100_000 } });
  const token = (await createRuntimeToken({ db, actor: owner, workspace: { id: workspaceId, role: 'owner' } }, { label: 'capped' })).info;
  const caller = callerFor(db, owner);
  await caller.usage.setMemberCap({ workspaceId, userId: member.id, monthlyCreditCap: cap });
  await caller.usage.setTokenCap({ workspaceId, tokenId: token.id, monthlyCreditCap: cap });
  return { owner, member, workspaceId, token };
}

await describeEachDb('credit caps', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('refuses at the boundary with cap_reached; settled work counts at its cost, released work not at all', async () => {
    const w = await cappedWorld(t.db, 100);
    const a = await reserve(t.db, { workspaceId: w.workspaceId, amount: 60, purpose: 'run', memberId: w.member.id });
    await expect(reserve(t.db, { workspaceId: w.workspaceId, amount: 41, purpose: 'run', memberId: w.member.id }))
      .rejects.toMatchObject({ code: 'PAYMENT_REQUIRED', reason: 'cap_reached', details: { cap: 100, used: 60, required: 41 } });
    await settle(t.db, { workspaceId: w.workspaceId, reservationId: a.id, actual: 20 });
    const b = await reserve(t.db, { workspaceId: w.workspaceId, amount: 80, purpose: 'run', memberId: w.member.id });
    expect(await usedThisMonth(t.db, w.workspaceId, { memberId: w.member.id })).toBe(100);
    await expect(reserve(t.db, { workspaceId: w.workspaceId, amount: 1, purpose: 'run', memberId: w.member.id })).rejects.toMatchObject({ reason: 'cap_reached' });
    await release(t.db, { workspaceId: w.workspaceId, reservationId: b.id });
    await reserve(t.db, { workspaceId: w.workspaceId, amount: 80, purpose: 'run', memberId: w.member.id });
    // The owner is not capped; the token's cap is its own.
    await reserve(t.db, { workspaceId: w.workspaceId, amount: 500, purpose: 'run', memberId: w.owner.id });
    await reserve(t.db, { workspaceId: w.workspaceId, amount: 100, purpose: 'gateway', tokenId: w.token.id });
    await expect(reserve(t.db, { workspaceId: w.workspaceId, amount: 1, purpose: 'gateway', tokenId: w.token.id })).rejects.toMatchObject({ reason: 'cap_reached' });
    // A refusal changes nothing: no reservation, no ledger row, the balance as it was.
    const before = await t.db.workspace.findUniqueOrThrow({ where: { id: w.workspaceId } });
    const rows = await t.db.creditLedger.count({ where: { workspaceId: w.workspaceId } });
    await expect(reserve(t.db, { workspaceId: w.workspaceId, amount: 5, purpose: 'gateway', tokenId: w.token.id })).rejects.toThrow();
    expect((await t.db.workspace.findUniqueOrThrow({ where: { id: w.workspaceId } })).creditBalance).toBe(before.creditBalance);
    expect(await t.db.creditLedger.count({ where: { workspaceId: w.workspaceId } })).toBe(rows);
    // Lifting the cap lets work through again.
    await callerFor(t.db, w.owner).usage.setTokenCap({ workspaceId: w.workspaceId, tokenId: w.token.id, monthlyCreditCap: null });
    await reserve(t.db, { workspaceId: w.workspaceId, amount: 5, purpose: 'gateway', tokenId: w.token.id });
  });

  it('lets only the owner set caps, in their own workspace, with sane values', async () => {
    const w = await cappedWorld(t.db, 10);
    const owner = callerFor(t.db, w.owner);
    expect((await owner.usage.caps({ workspaceId: w.workspaceId })).members).toContainEqual({ userId: w.member.id, cap: 10, usedThisMonth: 0 });
    await expect(callerFor(t.db, w.member).usage.setMemberCap({ workspaceId: w.workspaceId, userId: w.member.id, monthlyCreditCap: null })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const stranger = await createUser(t.db, 'Cap stranger');
    await expect(owner.usage.setMemberCap({ workspaceId: w.workspaceId, userId: stranger.id, monthlyCreditCap: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const otherToken = (await createRuntimeToken({ db: t.db, actor: stranger, workspace: { id: stranger.workspace.id, role: 'owner' } }, { label: 'theirs' })).info;
    await expect(owner.usage.setTokenCap({ workspaceId: w.workspaceId, tokenId: otherToken.id, monthlyCreditCap: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const bad of [-1, 1.5, 1e12]) {
      await expect(owner.usage.setMemberCap({ workspaceId: w.workspaceId, userId: w.member.id, monthlyCreditCap: bad })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect((await owner.usage.caps({ workspaceId: w.workspaceId })).members).toContainEqual({ userId: w.member.id, cap: 10, usedThisMonth: 0 });
  });
});

await describePostgres('credit caps under concurrency', (getDb) => {
  it('never lets N parallel reservations of a member or a token exceed the cap', async () => {
    const { db } = getDb();
    const w = await cappedWorld(db, 100);
    for (const who of [{ memberId: w.member.id }, { tokenId: w.token.id }]) {
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => reserve(db, { workspaceId: w.workspaceId, amount: 7, purpose: 'race', ...who })));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(ok).toBe(Math.floor(100 / 7));
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'cap_reached' });
      expect(await usedThisMonth(db, w.workspaceId, who)).toBe(ok * 7);
    }
  });
});
