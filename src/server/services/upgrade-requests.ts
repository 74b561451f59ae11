import 'server-only';
// Upgrade requests: owners ask for a bigger plan, the operator sees the open requests
// (`npm run admin -- upgrade-requests`) and sets the plan, which closes the request it satisfies.
import { PLAN_IDS, PLANS, type Plan, parsePlan } from '~/lib/plans';
import type { UpgradeRequestDto, UpgradeRequestInput } from '~/lib/schemas/upgrade';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import type { WorkspaceCtx, WorkspaceScope } from '~/server/services/context';

const rank = (p: Plan) => PLAN_IDS.indexOf(p);

async function toDto(db: Db, r: { plan: string; note: string | null; updatedAt: Date; requestedById: string }): Promise<UpgradeRequestDto> {
  const user = await db.user.findUnique({ where: { id: r.requestedById }, select: { name: true } });
  return { plan: parsePlan(r.plan), note: r.note, requestedAt: r.updatedAt, requestedBy: user?.name ?? 'a former member' };
}

/** The workspace's open request, if any. */
export async function openUpgradeRequest({ db, workspace }: WorkspaceScope): Promise<UpgradeRequestDto | null> {
  const r = await db.upgradeRequest.findUnique({ where: { openKey: workspace.id } });
  return r ? toDto(db, r) : null;
}

/**
 * Records (or updates: one open request per workspace) an owner's request for a plan above the current
 * one. Asking again changes the plan and the note rather than adding a second request.
 */
export async function requestUpgrade({ db, actor, workspace: ws }: WorkspaceCtx, input: UpgradeRequestInput): Promise<UpgradeRequestDto> {
  if (rank(input.plan) <= rank(ws.plan)) {
    throw new AppError('BAD_REQUEST', `This workspace is already on ${PLANS[ws.plan].name}: ask for a bigger plan.`, 'plan_not_higher');
  }
  const note = input.note ? input.note : null;
  const r = await db.upgradeRequest.upsert({
    where: { openKey: ws.id },
    create: { id: newId(), workspaceId: ws.id, openKey: ws.id, requestedById: actor.id, plan: input.plan, note },
    update: { requestedById: actor.id, plan: input.plan, note },
  });
  // Operators who follow the log see it at once; the admin command lists it in any case.
  log.info({ workspace: ws.slug, plan: input.plan }, 'plan upgrade requested');
  return toDto(db, r);
}

/** Closes the workspace's open request when its plan now meets what was asked (called by set-plan). */
export async function resolveUpgradeRequest(db: Db, workspaceId: string, plan: Plan): Promise<boolean> {
  const open = await db.upgradeRequest.findUnique({ where: { openKey: workspaceId }, select: { id: true, plan: true } });
  if (!open || rank(plan) < rank(parsePlan(open.plan))) return false;
  const done = await db.upgradeRequest.updateMany({
    where: { id: open.id, status: 'open' },
    data: { status: 'done', openKey: null, resolvedAt: new Date() },
  });
  return done.count === 1;
}

export type OperatorUpgradeRequest = {
  workspace: { slug: string; name: string; plan: string };
  requestedBy: { name: string; email: string } | null;
  plan: string;
  note: string | null;
  status: string;
  requestedAt: Date;
  resolvedAt: Date | null;
};

/** For the operator: open requests oldest first (or every request, newest first). */
export async function listUpgradeRequests(db: Db, opts: { all?: boolean } = {}): Promise<OperatorUpgradeRequest[]> {
  const rows = await db.upgradeRequest.findMany({
    where: opts.all ? {} : { status: 'open' },
    orderBy: { updatedAt: opts.all ? 'desc' : 'asc' },
    take: 500,
    include: { workspace: { select: { slug: true, name: true, plan: true } } },
  });
  const users = await db.user.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.requestedById))] } },
    select: { id: true, name: true, email: true },
  });
  const byId = new Map(users.map((u) => [u.id, { name: u.name, email: u.email }]));
  return rows.map((r) => ({
    workspace: r.workspace,
    requestedBy: byId.get(r.requestedById) ?? null,
    plan: r.plan,
    note: r.note,
    status: r.status,
    requestedAt: r.updatedAt,
    resolvedAt: r.resolvedAt,
  }));
}
