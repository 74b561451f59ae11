// The scheduled jobs on pg-boss's schedules (issue 18): the monthly renewal grants each workspace its
// plan's credits once per month whatever the repeats and concurrency (Enterprise: the operator's figure);
// the daily key check marks a key the provider rejects as failing and notifies its owners once; the
// notifications menu's list and mark-read are per user.
import { expect, it } from 'vitest';
import { EVENTS_KEPT_MS, maintenance, startJobs } from '~/server/jobs';
import { newId } from '~/server/ids';
import { appendRunEvent } from '~/server/services/run-events';
import { jobQueueFor } from '~/server/jobs/queue';
import { checkKeyHealth, notifyExpiringKeys, renewMonthlyCredits, setEnterpriseMonthlyCredits } from '~/server/jobs/scheduled';
import { getBalance } from '~/server/services/credits';
import { notifyOwners } from '~/server/services/notifications';
import { describeEachDb } from '../helpers/db';
import { revokeAtProvider } from '../helpers/fake-providers';
import { callerFor, createUser, setWorkspacePlan } from '../helpers/fixtures';
import { ownerWithKey } from '../helpers/runs';

await describeEachDb('scheduled jobs', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('renews monthly credits per plan exactly once per workspace and month, even run concurrently', async () => {
    const now = new Date('2031-03-01T00:10:00Z');
    const plans = ['free', 'pro', 'ultra', 'enterprise'] as const;
    const users = await Promise.all(plans.map((p) => createUser(t.db, `Renewal ${p}`)));
    for (const [i, p] of plans.entries()) {
      await setWorkspacePlan(t.db, users[i]!.workspace.id, p);
      await t.db.workspace.update({ where: { id: users[i]!.workspace.id }, data: { createdAt: new Date('2031-02-10T00:00:00Z') } });
    }
    const enterprise = await t.db.workspace.findUniqueOrThrow({ where: { id: users[3]!.workspace.id } });
    await setEnterpriseMonthlyCredits(t.db, { slug: enterprise.slug, credits: 123_456 });
    const fresh = await createUser(t.db, 'Created this month');
    await t.db.workspace.update({ where: { id: fresh.workspace.id }, data: { createdAt: new Date('2031-03-01T00:01:00Z') } });
    const before = await Promise.all([...users, fresh].map((u) => getBalance(t.db, u.workspace.id)));

    // Three instances' jobs at once, then a repeat.
    await Promise.all([renewMonthlyCredits(t.db, now), renewMonthlyCredits(t.db, now), renewMonthlyCredits(t.db, now)]);
    expect(await renewMonthlyCredits(t.db, now)).toBe(0);
    const after = await Promise.all([...users, fresh].map((u) => getBalance(t.db, u.workspace.id)));
    expect(after.map((a, i) => a - before[i]!)).toEqual([250, 2_000, 10_000, 123_456, 0]);
    // Next month: again, once.
    expect(await renewMonthlyCredits(t.db, new Date('2031-04-01T00:10:00Z'))).toBeGreaterThanOrEqual(5);
    expect(await getBalance(t.db, users[0]!.workspace.id)).toBe(before[0]! + 500);
  });

  it('the daily key check marks a rejected key failing and notifies its owners once; the menu lists and marks read', async () => {
    const o = await ownerWithKey(t.db, 'Key health', 'openai');
    const member = await createUser(t.db, 'Key health member');
    await t.db.membership.create({ data: { workspaceId: o.workspaceId, userId: member.id, role: 'member' } });
    const healthy = await checkKeyHealth(t.db);
    expect(healthy.failing).toBe(0);
    expect((await callerFor(t.db, o.owner).notifications.list()).unread).toBe(0);

    await revokeAtProvider(o.k);
    const r = await checkKeyHealth(t.db);
    expect(r.failing).toBeGreaterThanOrEqual(1);
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: o.key.id } })).status).toBe('failing');
    await checkKeyHealth(t.db); // the same day: no second notification
    const list = await callerFor(t.db, o.owner).notifications.list();
    expect(list.unread).toBe(1);
    expect(list.items[0]).toMatchObject({ kind: 'key_failing', title: expect.stringContaining('OpenAI key “primary” is failing'), readAt: null });
    expect(JSON.stringify(list)).not.toContain(o.k.slice(-10));
    // Members are not notified; someone else's ids change nothing.
    expect((await callerFor(t.db, member).notifications.list()).items).toHaveLength(0);
    expect(await callerFor(t.db, member).notifications.markRead({ ids: [list.items[0]!.id] })).toEqual({ marked: 0 });
    expect(await callerFor(t.db, o.owner).notifications.markRead({ ids: [list.items[0]!.id] })).toEqual({ marked: 1 });
    expect((await callerFor(t.db, o.owner).notifications.list()).unread).toBe(0);
    // notifyOwners, as other jobs call it, deduplicates by key.
    expect(await notifyOwners(t.db, o.workspaceId, { kind: 'x', title: 't', body: 'b', dedupeKey: 'same' })).toBe(1);
    expect(await notifyOwners(t.db, o.workspaceId, { kind: 'x', title: 't', body: 'b', dedupeKey: 'same' })).toBe(0);
  });

  it('announces a key expiring within seven days to its owners once per expiry date, and none further off', async () => {
    const now = new Date('2031-05-01T03:30:00Z');
    const o = await ownerWithKey(t.db, 'Expiry', 'openai');
    const member = await createUser(t.db, 'Expiry member');
    await t.db.membership.create({ data: { workspaceId: o.workspaceId, userId: member.id, role: 'member' } });
    await t.db.providerKey.update({ where: { id: o.key.id }, data: { expiresAt: new Date('2031-05-09T00:00:00Z') } });
    expect(await notifyExpiringKeys(t.db, now)).toBe(0); // eight days away: not yet
    await t.db.providerKey.update({ where: { id: o.key.id }, data: { expiresAt: new Date('2031-05-06T00:00:00Z') } });
    expect(await notifyExpiringKeys(t.db, now)).toBe(1);
    expect(await notifyExpiringKeys(t.db, now)).toBe(0); // the next day's check: already told
    const list = await callerFor(t.db, o.owner).notifications.list();
    expect(list.items.filter((n) => n.kind === 'key_expiring')).toEqual([
      expect.objectContaining({ title: 'OpenAI key “primary” expires in 5 days', body: expect.stringContaining('2031-05-06') }),
    ]);
    expect(JSON.stringify(list)).not.toContain(o.k.slice(-10));
    expect((await callerFor(t.db, member).notifications.list()).items).toHaveLength(0);
    // A new expiry date is a new notice.
    await t.db.providerKey.update({ where: { id: o.key.id }, data: { expiresAt: new Date('2031-05-07T00:00:00Z') } });
    expect(await notifyExpiringKeys(t.db, now)).toBe(1);
  });

  it('the minutely maintenance deletes the events of runs finished more than a day ago, and keeps the others', async () => {
    const u = await createUser(t.db, 'Old events');
    const mk = async (finishedAt: Date | null, status: string) => {
      const id = newId();
      await t.db.generationRun.create({ data: { id, workspaceId: u.workspace.id, actorId: u.id, prompt: 'x', status, finishedAt } });
      await appendRunEvent(t.db, id, { type: 'notice', text: 'kept?' });
      return id;
    };
    const old = await mk(new Date(Date.now() - EVENTS_KEPT_MS - 60_000), 'succeeded');
    const recent = await mk(new Date(), 'succeeded');
    const running = await mk(null, 'running');
    await maintenance(t.db);
    const left = await t.db.runEvent.findMany({ where: { runId: { in: [old, recent, running] } }, select: { runId: true } });
    expect(left.map((e) => e.runId).sort()).toEqual([recent, running].sort());
  });

  it('puts the scheduled jobs on pg-boss schedules (the same queue on the embedded database)', async () => {
    const jobs = await startJobs(t.db, { concurrency: 2 });
    try {
      const schedules = await (await jobQueueFor(t.db)).boss.getSchedules();
      expect(schedules.map((s) => s.name).sort()).toEqual(['key-health', 'maintenance', 'renew-credits']);
    } finally {
      await jobs.stop();
    }
  });
});
