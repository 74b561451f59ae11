// A valid input for every tRPC procedure, built against a given workspace and caller. Shared by the
// authorization matrix and the hostile-input properties; a procedure missing here fails both.
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { createToken } from '~/server/services/tokens';
import { sealProviderKey } from '~/server/vault/envelope';
import { canaryKey } from './canary';
import { createUser, type TestUser } from './fixtures';

export type World = { db: Db; workspaceId: string; owner: TestUser };
export type InputBuilder = (w: World, caller: TestUser | null) => Promise<unknown>;

/** A key inserted directly (whatever the plan), for procedures that need one to act on. */
export async function insertKey(w: World): Promise<string> {
  const id = newId();
  const sealed = await sealProviderKey({ workspaceId: w.workspaceId, provider: 'openai', keyId: id }, canaryKey());
  await w.db.providerKey.create({
    data: { id, workspaceId: w.workspaceId, provider: 'openai', label: `k-${id.slice(0, 6)}`, maskedHint: 'sk-p…test', fingerprint: new Uint8Array(32), fpVersion: 1, ...sealed, createdById: w.owner.id },
  });
  return id;
}

const ws = (w: World) => ({ workspaceId: w.workspaceId });

/** A pending invitation inserted directly, into `workspaceId` for `email`. */
export async function insertInvitation(db: Db, workspaceId: string, invitedById: string, email: string): Promise<string> {
  const id = newId();
  await db.invitation.create({ data: { id, workspaceId, email, invitedById, expiresAt: new Date(Date.now() + 86_400_000) } });
  return id;
}

/** An invitation addressed to the caller, from someone else's workspace. */
async function invitationFor(w: World, caller: TestUser | null): Promise<{ invitationId: string }> {
  if (!caller) return { invitationId: 'nope' };
  const inviter = await createUser(w.db, 'Inviter');
  return { invitationId: await insertInvitation(w.db, inviter.workspace.id, inviter.id, caller.email) };
}

export const PROCEDURE_INPUTS: Record<string, InputBuilder> = {
  'account.me': async () => undefined,
  'account.aiDefaults': async () => undefined,
  'account.setAiDefaults': async () => ({ mode: 'managed', provider: 'anthropic' }),
  'account.clearAiDefaults': async () => undefined,
  'account.tokens': async () => undefined,
  'account.createToken': async () => ({ name: 'matrix' }),
  'account.revokeToken': async (w, caller) => ({ tokenId: caller ? (await createToken({ db: w.db, actor: caller }, { name: 'to revoke' })).info.id : 'nope' }),
  'account.invitations': async () => undefined,
  'account.acceptInvitation': invitationFor,
  'account.declineInvitation': invitationFor,
  'account.sessions': async () => undefined,
  'account.revokeSession': async (w, caller) => {
    if (!caller) return { sessionId: 'nope' };
    const id = newId();
    await w.db.session.create({ data: { id, token: newId(), userId: caller.id, expiresAt: new Date(Date.now() + 3600_000) } });
    return { sessionId: id };
  },
  'workspace.list': async () => undefined,
  'workspace.create': async () => ({ name: 'Matrix made' }),
  'workspace.get': async (w) => ws(w),
  'workspace.members': async (w) => ws(w),
  'workspace.invite': async (w) => ({ ...ws(w), email: `invitee-${newId().slice(0, 8).toLowerCase()}@example.test` }),
  'workspace.invitations': async (w) => ws(w),
  'workspace.revokeInvitation': async (w) => ({ ...ws(w), invitationId: await insertInvitation(w.db, w.workspaceId, w.owner.id, `revoked-${newId().slice(0, 8).toLowerCase()}@example.test`) }),
  'workspace.removeMember': async (w) => {
    const leaver = await createUser(w.db, 'Leaver');
    await w.db.membership.create({ data: { workspaceId: w.workspaceId, userId: leaver.id, role: 'member' } });
    return { ...ws(w), userId: leaver.id };
  },
  'developers.runtimeTokens': async (w) => ws(w),
  'developers.createRuntimeToken': async (w) => ({ ...ws(w), label: 'matrix' }),
  'developers.revokeRuntimeToken': async (w) => ({
    ...ws(w),
    tokenId: (await createRuntimeToken({ db: w.db, actor: w.owner, workspace: { id: w.workspaceId, role: 'owner' } }, { label: 'to revoke' })).info.id,
  }),
  'developers.gatewayCalls': async (w) => ws(w),
  'keys.list': async (w) => ws(w),
  'keys.audit': async (w) => ws(w),
  'keys.removalImpact': async (w) => ({ ...ws(w), keyId: await insertKey(w) }),
  'keys.create': async (w) => ({ ...ws(w), provider: 'openai', label: `l-${newId().slice(0, 6)}`, apiKey: canaryKey() }),
  'keys.replace': async (w) => ({ ...ws(w), keyId: await insertKey(w), apiKey: canaryKey() }),
  'keys.verify': async (w) => ({ ...ws(w), keyId: await insertKey(w) }),
  'keys.remove': async (w) => ({ ...ws(w), keyId: await insertKey(w) }),
  'keys.pause': async (w) => ({ ...ws(w), keyId: await insertKey(w) }),
  'keys.setExpiry': async (w) => ({ ...ws(w), keyId: await insertKey(w), expiresAt: new Date(Date.now() + 30 * 86_400_000) }),
  'keys.rotate': async (w) => ({ ...ws(w), keyId: await insertKey(w), apiKey: canaryKey() }),
  'keys.resume': async (w) => ({ ...ws(w), keyId: await insertKey(w) }),
  'keys.reorder': async (w) => {
    await insertKey(w);
    const keys = await w.db.providerKey.findMany({ where: { workspaceId: w.workspaceId, provider: 'openai' }, select: { id: true } });
    return { ...ws(w), provider: 'openai', keyIds: keys.map((k) => k.id) };
  },
  'models.catalog': async (w) => ws(w),
  'models.tiers': async (w) => ws(w),
  'models.aiConfig': async (w) => ws(w),
  'models.setTier': async (w) => ({ ...ws(w), tier: 'fast', choice: { source: 'platform', platformModelId: 'openai:gpt-4.1-mini' } }),
  'models.setFallbackPolicy': async (w) => ({ ...ws(w), fallbackPolicy: 'always' }),
  'models.setAiConfig': async (w) => ({ ...ws(w), mode: 'managed', provider: 'anthropic' }),
  'billing.upgradeRequest': async (w) => ws(w),
  'billing.ledger': async (w) => ws(w),
  'billing.requestUpgrade': async (w) => ({ ...ws(w), plan: 'enterprise', note: 'matrix' }),
  'usage.report': async (w) => ({ ...ws(w), groupBy: 'model', interval: 'month' }),
  'usage.caps': async (w) => ws(w),
  'usage.spendAlerts': async (w) => ws(w),
  'usage.setSpendAlert': async (w) => ({ ...ws(w), keyId: await insertKey(w), monthlyUsd: 25 }),
  'usage.setMemberCap': async (w) => ({ ...ws(w), userId: w.owner.id, monthlyCreditCap: 100 }),
  'usage.setTokenCap': async (w) => ({
    ...ws(w),
    tokenId: (await createRuntimeToken({ db: w.db, actor: w.owner, workspace: { id: w.workspaceId, role: 'owner' } }, { label: 'capped' })).info.id,
    monthlyCreditCap: 100,
  }),
  'generation.start': async (w) => ({ ...ws(w), prompt: 'matrix', imageCount: 0 }),
  'generation.cancel': async (w) => {
    const id = newId();
    await w.db.generationRun.create({ data: { id, workspaceId: w.workspaceId, actorId: w.owner.id, prompt: 'x', status: 'running' } });
    return { ...ws(w), runId: id };
  },
  'generation.history': async (w) => ws(w),
  'notifications.list': async () => undefined,
  'notifications.markRead': async () => ({}),
  'generation.get': async (w) => {
    const id = newId();
    await w.db.generationRun.create({ data: { id, workspaceId: w.workspaceId, actorId: w.owner.id, prompt: 'x', status: 'succeeded' } });
    return { ...ws(w), runId: id };
  },
};

/** Calls a procedure by its dotted path, draining a streamed result. */
export async function callProcedure(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const [router, proc] = path.split('.') as [string, string];
  const fn = (caller as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[router]![proc]!;
  const result = await fn(input);
  if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const _ of result as AsyncIterable<unknown>) {
      // drain the stream
    }
  }
  return result;
}
