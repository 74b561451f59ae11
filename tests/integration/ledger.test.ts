// The credit ledger on Plan & credits (issue 19): every grant, renewal, reservation, charge and release,
// newest first, cursor-paged, with the balance after each row; owners only.
import { expect, it } from 'vitest';
import { release, reserve, settle } from '~/server/services/credits';
import { setPlan } from '~/server/services/workspaces';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser, proWorkspace } from '../helpers/fixtures';

await describeEachDb('credit ledger', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('lists every movement with its kind and the balance after it, a page at a time', async () => {
    const { owner, member, workspaceId } = await proWorkspace(t.db, 'Ledger');
    const ws = await t.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    await setPlan(t.db, { slug: ws.slug, plan: 'ultra' });
    const a = await reserve(t.db, { workspaceId, amount: 50, purpose: 'gateway openai chat' });
    await settle(t.db, { workspaceId, reservationId: a.id, actual: 12 });
    const b = await reserve(t.db, { workspaceId, amount: 30, purpose: 'run script' });
    await release(t.db, { workspaceId, reservationId: b.id });
    await reserve(t.db, { workspaceId, amount: 5, purpose: 'still held' });

    const caller = callerFor(t.db, owner);
    const seen = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof caller.billing.ledger>> = await caller.billing.ledger({ workspaceId, cursor, limit: 2 });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    const balance = (await t.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } })).creditBalance;
    expect(seen.map((e) => [e.kind, e.amount, e.charged])).toEqual([
      ['reservation', -5, null],
      ['release', 30, null],
      ['reservation', -30, null],
      ['charge', 38, 12],
      ['reservation', -50, null],
      ['renewal', expect.any(Number), null],
      ['grant', expect.any(Number), null],
    ]);
    expect(seen[0]!.balanceAfter).toBe(balance);
    for (let i = 0; i < seen.length - 1; i++) expect(seen[i + 1]!.balanceAfter).toBe(seen[i]!.balanceAfter - seen[i]!.amount);
    expect(seen.at(-1)!.balanceAfter).toBe(seen.at(-1)!.amount);

    await expect(callerFor(t.db, member).billing.ledger({ workspaceId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A cursor from another workspace's ledger names nothing here.
    const other = await createUser(t.db, 'Other ledger');
    const otherRow = await t.db.creditLedger.findFirstOrThrow({ where: { workspaceId: other.workspace.id } });
    await expect(caller.billing.ledger({ workspaceId, cursor: otherRow.id })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(callerFor(t.db, other).billing.ledger({ workspaceId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
