import 'server-only';
// The plan and role rules, in one place: tRPC procedures, REST routes and services all ask here, so a rule
// and its wording exist once (PRODUCT.md K3, K4, P).
import { BYOK_PLAN_NAMES, BYOK_PLANS, type Plan, parsePlan, PLANS } from '~/lib/plans';
import type { Role } from '~/lib/schemas/workspaces';
import { AppError } from '~/server/errors';

export type { Role };

/** True when the plan lets a workspace use its own keys. */
export function allowsByok(plan: string): boolean {
  return PLANS[parsePlan(plan)].byok;
}

/** The plans that allow keys, for queries that check a plan inside the statement that writes. */
export const BYOK_PLAN_IDS: readonly Plan[] = BYOK_PLANS;

const planRequired = (message: string) => new AppError('FORBIDDEN', message, 'plan_required', { plans: BYOK_PLAN_NAMES });
const BYOK_PLANS_PHRASE = `the ${BYOK_PLAN_NAMES.join(', ')} plans`;

/** Refused on plans without own keys (K4): 403 with the plans that allow them, before any other work. */
export function requireByokPlan(plan: string): void {
  if (!allowsByok(plan)) {
    throw planRequired(`Bring-your-own-key is available on ${BYOK_PLANS_PHRASE}. This workspace is on ${PLANS[parsePlan(plan)].name}.`);
  }
}

/**
 * A user's own default key is probed like any key, and probes are for plans that allow keys: storing one
 * needs a workspace of the user's own on such a plan.
 */
export function requireOwnByokWorkspace(ownedOnByokPlans: number): void {
  if (ownedOnByokPlans === 0) {
    throw planRequired(`A default key needs a workspace of yours on ${BYOK_PLANS_PHRASE}. Without one, choose platform models (managed).`);
  }
}

/** Refused for anyone but the workspace's owner (K3); `action` completes "Only the workspace owner can …". */
export function requireOwner(ws: { role: string }, action = 'do this'): void {
  if (ws.role !== 'owner') throw new AppError('FORBIDDEN', `Only the workspace owner can ${action}.`, 'owner_required');
}

/** A run is stopped by whoever started it or by the owner; other members watch it but cannot end it. */
export function requireRunCanceller(ws: { role: string }, runActorId: string, actorId: string): void {
  if (ws.role !== 'owner' && runActorId !== actorId) {
    throw new AppError('FORBIDDEN', 'Only the member who started this run or the workspace owner can cancel it.', 'run_not_yours');
  }
}

/** A workspace always keeps its owner: only members can be removed from it. */
export function requireRemovable(member: { role: string }): void {
  if (member.role === 'owner') throw new AppError('FORBIDDEN', 'The owner cannot be removed from their workspace.', 'owner_not_removable');
}

/**
 * Whose usage a member of the workspace may read: owners see everyone's (null), members only their own
 * Content Studio runs (gateway tokens are the owner's, so their calls are not a member's to see).
 */
export function usageSubject(ws: { role: string }, actorId: string): string | null {
  return ws.role === 'owner' ? null : actorId;
}
