// Every tRPC procedure and REST endpoint × {signed out, member of another workspace, member, owner} ×
// {Free, Pro}, with the exact outcome of each cell. The lists come from the router and the REST endpoint
// table themselves: a new procedure or endpoint without an entry here fails this test.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appRouter } from '~/server/api/root';
import { newId } from '~/server/ids';
import { REST_OPERATIONS } from '~/server/rest/routes';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { canaryKey } from '../helpers/canary';
import { callRest, createTestApp, type TestApp } from '../helpers/api-server';
import { describeEachDb } from '../helpers/db';
import { callerFor, createUser, setWorkspacePlan, type TestUser } from '../helpers/fixtures';
import { callProcedure, insertKey, PROCEDURE_INPUTS, type World } from '../helpers/procedures';

type Role = 'signedOut' | 'outsider' | 'member' | 'owner';
type Outcome = 'ok' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'FORBIDDEN';
type Plan = 'free' | 'pro';
type Expectation = Record<Plan, [Outcome, Outcome, Outcome, Outcome]>;

const ROLES: Role[] = ['signedOut', 'outsider', 'member', 'owner'];
const same = (o: [Outcome, Outcome, Outcome, Outcome]): Expectation => ({ free: o, pro: o });
const AUTHED_ANY = same(['UNAUTHORIZED', 'ok', 'ok', 'ok']);
const WS_READ = same(['UNAUTHORIZED', 'NOT_FOUND', 'ok', 'ok']);
const WS_OWNER = same(['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'ok']);
const BYOK_OWNER: Expectation = { free: ['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'FORBIDDEN'], pro: ['UNAUTHORIZED', 'NOT_FOUND', 'FORBIDDEN', 'ok'] };

const EXPECTED: Record<string, Expectation> = {
  'account.me': AUTHED_ANY,
  'account.aiDefaults': AUTHED_ANY,
  'account.setAiDefaults': AUTHED_ANY,
  'account.clearAiDefaults': AUTHED_ANY,
  'account.tokens': AUTHED_ANY,
  'account.createToken': AUTHED_ANY,
  'account.revokeToken': AUTHED_ANY,
  'account.invitations': AUTHED_ANY,
  'account.acceptInvitation': AUTHED_ANY,
  'account.declineInvitation': AUTHED_ANY,
  'account.sessions': AUTHED_ANY,
  'account.revokeSession': AUTHED_ANY,
  'workspace.list': AUTHED_ANY,
  'workspace.create': AUTHED_ANY,
  'workspace.get': WS_READ,
  'workspace.members': WS_READ,
  'workspace.invite': WS_OWNER,
  'workspace.invitations': WS_OWNER,
  'workspace.revokeInvitation': WS_OWNER,
  'workspace.removeMember': WS_OWNER,
  'developers.runtimeTokens': WS_OWNER,
  'developers.createRuntimeToken': WS_OWNER,
  'developers.revokeRuntimeToken': WS_OWNER,
  'developers.gatewayCalls': WS_OWNER,
  'keys.list': WS_READ,
  'keys.audit': WS_OWNER,
  'keys.removalImpact': WS_OWNER,
  'keys.create': BYOK_OWNER,
  'keys.replace': BYOK_OWNER,
  'keys.verify': BYOK_OWNER,
  'keys.remove': WS_OWNER,
  'keys.pause': BYOK_OWNER,
  'keys.setExpiry': BYOK_OWNER,
  'keys.rotate': BYOK_OWNER,
  'keys.resume': BYOK_OWNER,
  'keys.reorder': BYOK_OWNER,
  'models.catalog': WS_READ,
  'models.tiers': WS_READ,
  'models.aiConfig': WS_READ,
  'models.setTier': WS_OWNER,
  'models.setFallbackPolicy': WS_OWNER,
  'models.setAiConfig': WS_OWNER,
  'billing.upgradeRequest': WS_READ,
  'billing.requestUpgrade': WS_OWNER,
  'billing.ledger': WS_OWNER,
  'generation.start': WS_READ,
  'generation.cancel': WS_OWNER, // its run was started by the owner: other members cannot cancel it
  'generation.history': WS_READ,
  'generation.get': WS_READ,
  'notifications.list': AUTHED_ANY,
  'notifications.markRead': AUTHED_ANY,
  // Members get a report too: their own Content Studio runs (services/usage.ts).
  'usage.report': WS_READ,
  'usage.caps': WS_OWNER,
  'usage.setMemberCap': WS_OWNER,
  'usage.setTokenCap': WS_OWNER,
  'usage.spendAlerts': WS_OWNER,
  'usage.setSpendAlert': WS_OWNER,
};

// REST: HTTP statuses, by operationId. Each request is the one a script would send for that cell.
type Status = 200 | 201 | 202 | 204 | 401 | 403 | 404;
type RestCase = {
  expected: Record<Plan, [Status, Status, Status, Status]>;
  body?: () => unknown;
  /** Path parameters beyond the workspace (made fresh for each cell). */
  params?: (w: World) => Promise<Record<string, string>>;
};
const OWNER_ONLY = { free: [401, 404, 403, 200], pro: [401, 404, 403, 200] } satisfies RestCase['expected'];
const byokConfig = () => ({ mode: 'byok', provider: 'openai', api_key: canaryKey('sk-proj-'), model: 'gpt-4.1-mini' });
const MEMBERS = { free: [401, 404, 200, 200], pro: [401, 404, 200, 200] } satisfies RestCase['expected'];
/** A run of the workspace, finished long ago (its event stream ends at once). */
const aRun = async (w: World) => {
  const id = newId();
  await w.db.generationRun.create({ data: { id, workspaceId: w.workspaceId, actorId: w.owner.id, prompt: 'x', status: 'succeeded', finishedAt: new Date(0) } });
  return { run_id: id };
};
const REST: Record<keyof typeof REST_OPERATIONS, RestCase> = {
  // Runs: any member, on every plan (a Free workspace runs managed models).
  createRun: { expected: { free: [401, 404, 202, 202], pro: [401, 404, 202, 202] }, body: () => ({ prompt: 'matrix', images: 0 }) },
  listRuns: { expected: MEMBERS },
  getRun: { expected: MEMBERS, params: aRun },
  // The matrix's run was started by the owner: another member may watch it but not cancel it.
  cancelRun: { expected: { free: [401, 404, 403, 200], pro: [401, 404, 403, 200] }, params: aRun },
  streamRunEvents: { expected: MEMBERS, params: aRun },
  getWorkspaceAiConfig: { expected: { free: [401, 404, 200, 200], pro: [401, 404, 200, 200] } },
  putWorkspaceAiConfig: { expected: { free: [401, 404, 403, 403], pro: [401, 404, 403, 200] }, body: byokConfig },
  getUserAiDefaults: { expected: { free: [401, 200, 200, 200], pro: [401, 200, 200, 200] } },
  putUserAiDefaults: {
    expected: { free: [401, 200, 200, 200], pro: [401, 200, 200, 200] },
    body: () => ({ mode: 'managed', provider: 'anthropic', model: 'claude-sonnet-4-20250514' }),
  },
  // Runtime tokens: owners only, on every plan (a Free workspace's code uses managed mode).
  createRuntimeToken: { expected: { free: [401, 404, 403, 201], pro: [401, 404, 403, 201] }, body: () => ({ label: 'matrix' }) },
  listRuntimeTokens: { expected: OWNER_ONLY },
  revokeRuntimeToken: {
    expected: { free: [401, 404, 403, 204], pro: [401, 404, 403, 204] },
    params: async (w) => ({
      token_id: (await createRuntimeToken({ db: w.db, actor: w.owner, workspace: { id: w.workspaceId, role: 'owner' } }, { label: 'to revoke' })).info.id,
    }),
  },
  // Keys: members read the masked list; pausing and ordering are owners' on paid plans.
  listKeys: { expected: { free: [401, 404, 200, 200], pro: [401, 404, 200, 200] } },
  updateKey: {
    expected: { free: [401, 404, 403, 403], pro: [401, 404, 403, 200] },
    body: () => ({ paused: true }),
    params: async (w) => ({ key_id: await insertKey(w) }),
  },
  rotateKey: {
    expected: { free: [401, 404, 403, 403], pro: [401, 404, 403, 200] },
    body: () => ({ api_key: canaryKey('sk-proj-') }),
    params: async (w) => ({ key_id: await insertKey(w) }),
  },
  orderKeys: {
    expected: { free: [401, 404, 403, 403], pro: [401, 404, 403, 200] },
    body: undefined,
    params: async (w) => {
      await insertKey(w);
      keyOrderBody = { provider: 'openai', key_ids: (await w.db.providerKey.findMany({ where: { workspaceId: w.workspaceId, provider: 'openai' }, select: { id: true } })).map((k) => k.id) };
      return {};
    },
  },
  getWorkspaceUsage: { expected: { free: [401, 404, 200, 200], pro: [401, 404, 200, 200] } },
  setRuntimeTokenCap: {
    expected: OWNER_ONLY,
    body: () => ({ monthly_credit_cap: 500 }),
    params: async (w) => ({
      token_id: (await createRuntimeToken({ db: w.db, actor: w.owner, workspace: { id: w.workspaceId, role: 'owner' } }, { label: 'capped' })).info.id,
    }),
  },
};
// The order names the keys the cell's `params` just made (params run before the body is built).
let keyOrderBody: unknown = null;
REST.orderKeys.body = () => keyOrderBody;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

function outcomeOf(e: unknown): Outcome | string {
  const code = (e as { code?: string }).code;
  return code === 'UNAUTHORIZED' || code === 'NOT_FOUND' || code === 'FORBIDDEN' ? code : `unexpected: ${code ?? String(e)}`;
}

it('has an entry for every procedure of the router', () => {
  const procedures = Object.keys(appRouter._def.procedures).sort();
  expect(procedures).toEqual(Object.keys(EXPECTED).sort());
  expect(procedures).toEqual(Object.keys(PROCEDURE_INPUTS).sort());
});

it('has an entry for every REST endpoint, and the OpenAPI document describes exactly those', async () => {
  const endpoints = Object.keys(REST_OPERATIONS).sort();
  expect(endpoints).toEqual(Object.keys(REST).sort());
  const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string }>> };
  const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  expect(operations.sort()).toEqual(endpoints);
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
      const world: World = { db, workspaceId: owner.workspace.id, owner };
      const users: Record<Role, TestUser | null> = { signedOut: null, outsider, member, owner };

      const got: Record<string, string[]> = {};
      const want: Record<string, string[]> = {};
      for (const [path, expected] of Object.entries(EXPECTED)) {
        want[path] = expected[plan];
        got[path] = [];
        for (const role of ROLES) {
          const user = users[role];
          try {
            await callProcedure(callerFor(db, user), path, await PROCEDURE_INPUTS[path]!(world, user));
            got[path]!.push('ok');
          } catch (e) {
            got[path]!.push(outcomeOf(e));
          }
        }
      }
      expect(got).toEqual(want);
    });

    it(`gives every role its exact REST status on the ${plan} plan`, async () => {
      const db = getDb().db;
      const owner = await createUser(db, `REST matrix ${plan} owner`);
      const member = await createUser(db, `REST matrix ${plan} member`);
      const outsider = await createUser(db, `REST matrix ${plan} outsider`);
      await db.membership.create({ data: { workspaceId: owner.workspace.id, userId: member.id, role: 'member' } });
      await setWorkspacePlan(db, owner.workspace.id, plan);
      const world: World = { db, workspaceId: owner.workspace.id, owner };
      const users: Record<Role, TestUser | null> = { signedOut: null, outsider, member, owner };
      const tokens = new Map<TestUser, string>();
      for (const u of [owner, member, outsider]) tokens.set(u, (await callerFor(db, u).account.createToken({ name: 'matrix' })).token);
      (globalThis as { __db?: unknown }).__db = db; // the server's database is this suite's

      const got: Record<string, number[]> = {};
      const want: Record<string, number[]> = {};
      for (const [name, c] of Object.entries(REST)) {
        want[name] = c.expected[plan];
        got[name] = [];
        for (const role of ROLES) {
          const user = users[role];
          const op = REST_OPERATIONS[name as keyof typeof REST_OPERATIONS];
          const extra = (await c.params?.(world)) ?? {};
          const url = Object.entries(extra).reduce((u, [k, v]) => u.replace(`:${k}`, v), op.url.replace(':workspace_id', world.workspaceId));
          got[name]!.push((await callRest(app, { method: op.method, url, token: user ? tokens.get(user) : undefined, body: c.body?.() })).status);
        }
      }
      expect(got).toEqual(want);
    });
  }
});
