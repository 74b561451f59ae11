// Every tRPC procedure × {signed out, member of another workspace, member, owner} × {Free, Pro}, with
// the exact outcome of each cell. The procedure list comes from the router itself: a new procedure
// without an entry here fails this test.
import { expect, it } from 'vitest';
import { appRouter } from '~/server/api/root';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { createToken } from '~/server/services/tokens';
import { sealProviderKey } from '~/server/vault/envelope';
import { describeEachDb } from '../helpers/db';
import { canaryKey } from '../helpers/canary';
import { callerFor, createUser, setWorkspacePlan, type TestUser } from '../helpers/fixtures';

type Role = 'signedOut' | 'outsider' | 'member' | 'owner';
type Outcome = 'ok' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'FORBIDDEN';
type Plan = 'free' | 'pro';
type World = { db: Db; workspaceId: string; owner: TestUser; plan: Plan };
type Entry = { input: (w: World, caller: TestUser | null) => Promise<unknown>; expect: Record<Plan, [Outcome, Outcome, Outcome, Outcome]> };

const ROLES: Role[] = ['signedOut', 'outsider', 'member', 'owner'];
const same = (o: [Outcome, Outcome, Outcome, Outcome]) => ({ free: o, pro: o });
const AUTHED_ANY = same(['UNAUTHORIZED', 'ok', 'ok', 'ok']);
const WS_READ = same(['UNAUTHORIZED', 'NOT_FOUND', 'ok', 'ok']);
const WS_OWNER = same(['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'ok']);
const BYOK_OWNER = { free: ['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'FORBIDDEN'], pro: ['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'ok'] } as Entry['expect'];

/** A key inserted directly (whatever the plan), for procedures that need one to act on. */
async function insertKey(w: World): Promise<string> {
  const id = newId();
  await w.db.$transaction(async (tx) => {
    const sealed = await sealProviderKey(tx, { workspaceId: w.workspaceId, provider: 'openai', keyId: id }, canaryKey());
    await tx.providerKey.create({
      data: { id, workspaceId: w.workspaceId, provider: 'openai', label: `k-${id.slice(0, 6)}`, maskedHint: 'sk-p…test', fingerprint: new Uint8Array(32), fpVersion: 1, ...sealed, createdById: w.owner.id },
    });
  });
  return id;
}

const ws = (w: World) => ({ workspaceId: w.workspaceId });

const MATRIX: Record<string, Entry> = {
  'account.me': { input: async () => undefined, expect: AUTHED_ANY },
  'account.aiDefaults': { input: async () => undefined, expect: AUTHED_ANY },
  'account.setAiDefaults': { input: async () => ({ mode: 'managed', provider: 'anthropic' }), expect: AUTHED_ANY },
  'account.clearAiDefaults': { input: async () => undefined, expect: AUTHED_ANY },
  'account.tokens': { input: async () => undefined, expect: AUTHED_ANY },
  'account.createToken': { input: async () => ({ name: 'matrix' }), expect: AUTHED_ANY },
  'account.revokeToken': {
    input: async (w, caller) => ({ tokenId: caller ? (await createToken(w.db, caller.id, { name: 'to revoke' })).info.id : 'nope' }),
    expect: AUTHED_ANY,
  },
  'workspace.list': { input: async () => undefined, expect: AUTHED_ANY },
  'workspace.create': { input: async () => ({ name: 'Matrix made' }), expect: AUTHED_ANY },
  'workspace.get': { input: async (w) => ws(w), expect: WS_READ },
  'workspace.members': { input: async (w) => ws(w), expect: WS_READ },
  'workspace.addMember': { input: async (w) => ({ ...ws(w), email: (await createUser(w.db, 'Joiner')).email }), expect: WS_OWNER },
  'workspace.removeMember': {
    input: async (w) => {
      const leaver = await createUser(w.db, 'Leaver');
      await w.db.membership.create({ data: { workspaceId: w.workspaceId, userId: leaver.id, role: 'member' } });
      return { ...ws(w), userId: leaver.id };
    },
    expect: WS_OWNER,
  },
  'keys.list': { input: async (w) => ws(w), expect: WS_READ },
  'keys.audit': { input: async (w) => ws(w), expect: WS_OWNER },
  'keys.removalImpact': { input: async (w) => ({ ...ws(w), keyId: await insertKey(w) }), expect: WS_OWNER },
  'keys.create': { input: async (w) => ({ ...ws(w), provider: 'openai', label: `l-${newId().slice(0, 6)}`, apiKey: canaryKey() }), expect: BYOK_OWNER },
  'keys.replace': { input: async (w) => ({ ...ws(w), keyId: await insertKey(w), apiKey: canaryKey() }), expect: BYOK_OWNER },
  'keys.verify': { input: async (w) => ({ ...ws(w), keyId: await insertKey(w) }), expect: WS_OWNER },
  'keys.remove': { input: async (w) => ({ ...ws(w), keyId: await insertKey(w) }), expect: WS_OWNER },
  'models.catalog': { input: async (w) => ws(w), expect: WS_READ },
  'models.tiers': { input: async (w) => ws(w), expect: WS_READ },
  'models.aiConfig': { input: async (w) => ws(w), expect: WS_READ },
  'models.setTier': { input: async (w) => ({ ...ws(w), tier: 'fast', choice: { source: 'platform', platformModelId: 'openai:gpt-4.1-mini' } }), expect: WS_OWNER },
  'models.setFallbackPolicy': { input: async (w) => ({ ...ws(w), allowCreditFallback: true }), expect: WS_OWNER },
  'models.setAiConfig': { input: async (w) => ({ ...ws(w), mode: 'managed', provider: 'anthropic' }), expect: WS_OWNER },
  'generation.start': { input: async (w) => ({ ...ws(w), prompt: 'matrix', imageCount: 0 }), expect: WS_READ },
  'generation.history': { input: async (w) => ws(w), expect: WS_READ },
  'generation.get': {
    input: async (w) => {
      const id = newId();
      await w.db.generationRun.create({ data: { id, workspaceId: w.workspaceId, actorId: w.owner.id, prompt: 'x', status: 'succeeded' } });
      return { ...ws(w), runId: id };
    },
    expect: WS_READ,
  },
};

function outcomeOf(e: unknown): Outcome | string {
  const code = (e as { code?: string }).code;
  return code === 'UNAUTHORIZED' || code === 'NOT_FOUND' || code === 'FORBIDDEN' ? code : `unexpected: ${code ?? String(e)}`;
}

it('has an entry for every procedure of the router', () => {
  const procedures = Object.keys(appRouter._def.procedures).sort();
  expect(procedures).toEqual(Object.keys(MATRIX).sort());
});

await describeEachDb('authorization matrix', (getDb) => {
  for (const plan of ['free', 'pro'] as const) {
    it(`gives every role its exact outcome on the ${plan} plan`, async () => {
      const db = getDb().db;
      const owner = await createUser(db, `Matrix ${plan} owner`);
      const member = await createUser(db, `Matrix ${plan} member`);
      const outsider = await createUser(db, `Matrix ${plan} outsider`);
      await db.membership.create({ data: { workspaceId: owner.workspace.id, userId: member.id, role: 'member' } });
      await setWorkspacePlan(db, owner.workspace.id, plan);
      const world: World = { db, workspaceId: owner.workspace.id, owner, plan };
      const users: Record<Role, TestUser | null> = { signedOut: null, outsider, member, owner };

      const got: Record<string, string[]> = {};
      const want: Record<string, string[]> = {};
      for (const [path, entry] of Object.entries(MATRIX)) {
        want[path] = entry.expect[plan];
        got[path] = [];
        for (const role of ROLES) {
          const user = users[role];
          const input = await entry.input(world, user);
          const [router, proc] = path.split('.') as [string, string];
          const caller = callerFor(db, user) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
          try {
            const result = await caller[router]![proc]!(input);
            if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
              for await (const _ of result as AsyncIterable<unknown>) {
                // drain the stream
              }
            }
            got[path]!.push('ok');
          } catch (e) {
            got[path]!.push(outcomeOf(e));
          }
        }
      }
      expect(got).toEqual(want);
    });
  }
});
