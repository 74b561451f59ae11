// Canary keys through the real tRPC HTTP handler (batched calls, errors, GET and POST) and the
// server log: the key must appear in no response body or header and no log line.
import { readFileSync } from 'node:fs';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { beforeAll, expect, it, vi } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { canaryKey, findCanary } from '../helpers/canary';
import { createUser, dumpDatabaseText, proWorkspace } from '../helpers/fixtures';

// Before any import creates the logger: everything it writes goes to a file this test reads.
const logFile = vi.hoisted(() => {
  const file = `${process.env.DATA_DIR ?? '/tmp'}/leak-test-${process.pid}.log`;
  process.env.LOG_FILE = file;
  process.env.LOG_LEVEL = 'trace';
  return file;
});

let appRouter: typeof import('~/server/api/root').appRouter;
let createInnerContext: typeof import('~/server/api/trpc').createInnerContext;
beforeAll(async () => {
  ({ appRouter } = await import('~/server/api/root'));
  ({ createInnerContext } = await import('~/server/api/trpc'));
});

await describeEachDb('no key in HTTP responses or logs', (getDb) => {
  const recorded: string[] = [];

  async function call(
    user: { id: string; name: string; email: string },
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    db = getDb().db,
  ) {
    const req = new Request(`http://app.test/api/trpc/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const res = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: () => createInnerContext({ db, user }),
    });
    const text = await res.text();
    recorded.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return { status: res.status, json: JSON.parse(text) as unknown };
  }

  it('keeps canaries out of every keys, models and account procedure, success and error alike', async () => {
    const { owner, member, workspaceId } = await proWorkspace(getDb().db, 'Leaky');
    const free = await createUser(getDb().db, 'Leaky free');
    const canaries = {
      openai: canaryKey('sk-proj-'),
      anthropic: canaryKey('sk-ant-api03-'),
      echo: `${canaryKey('sk-proj-')}-echo`,
      invalid: `${canaryKey('xai-')}-invalid`,
      long: canaryKey('sk-proj-') + 'x'.repeat(600),
    };
    const j = (input: unknown) => ({ json: input });

    const created = await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaries.openai }));
    expect(created.status).toBe(200);
    const keyId = (created.json as { result: { data: { json: { key: { id: string } } } } }).result.data.json.key.id;

    // Errors of every kind, each carrying a canary somewhere in its input.
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: 'second', apiKey: canaries.echo }))).status).toBe(422);
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'xai', label: 'x', apiKey: canaries.invalid }))).status).toBe(422);
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: canaries.anthropic, label: 'x', apiKey: canaries.anthropic }))).status).toBe(400);
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: canaries.anthropic, apiKey: canaries.anthropic }))).status).toBe(400);
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: 'l', apiKey: canaries.long }))).status).toBe(400);
    expect((await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: 'primary', apiKey: canaries.openai, extra: canaries.anthropic }))).status).toBe(409);
    expect((await call(member, 'POST', 'keys.create', j({ workspaceId, provider: 'openai', label: 'm', apiKey: canaries.anthropic }))).status).toBe(403);
    expect((await call(free, 'POST', 'keys.create', j({ workspaceId: free.workspace.id, provider: 'openai', label: 'f', apiKey: canaries.anthropic }))).status).toBe(403);
    expect((await call(owner, 'POST', 'keys.replace', j({ workspaceId, keyId, apiKey: canaries.echo }))).status).toBe(422);
    expect((await call(owner, 'POST', 'models.setAiConfig', j({ workspaceId, mode: 'byok', provider: 'anthropic', apiKey: canaries.anthropic, model: 'nope-model' }))).status).toBe(400);
    expect((await call(owner, 'POST', 'account.setAiDefaults', j({ mode: 'byok', provider: 'xai', apiKey: canaries.invalid }))).status).toBe(422);
    // A key sent to a query over GET is refused (queries take no keys) and not echoed.
    const getWithKey = await call(owner, 'GET', `keys.list?input=${encodeURIComponent(JSON.stringify(j({ workspaceId, apiKey: canaries.anthropic })))}`);
    expect(getWithKey.status).toBe(200);
    // A mutation over GET is refused.
    expect((await call(owner, 'GET', `keys.create?input=${encodeURIComponent(JSON.stringify(j({ workspaceId, provider: 'openai', label: 'g', apiKey: canaries.anthropic })))}`)).status).toBe(405);

    // Successful writes and every read, batched.
    await call(owner, 'POST', 'models.setAiConfig', j({ workspaceId, mode: 'byok', provider: 'anthropic', apiKey: canaries.anthropic, model: 'claude-sonnet-4-20250514' }));
    await call(owner, 'POST', 'keys.verify', j({ workspaceId, keyId }));
    const reads = ['keys.list', 'keys.audit', 'models.catalog', 'models.tiers', 'models.aiConfig', 'workspace.get'];
    const batchInput = Object.fromEntries(reads.map((_, i) => [i, j({ workspaceId })]));
    const batch = await call(owner, 'GET', `${reads.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(batchInput))}`);
    expect(batch.status).toBe(200);
    await call(member, 'GET', `${reads.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(batchInput))}`);
    const account = await call(owner, 'POST', 'account.setAiDefaults', j({ mode: 'byok', provider: 'openai', apiKey: canaries.openai }));
    expect(account.status).toBe(200);
    await call(owner, 'GET', 'account.aiDefaults');
    await call(owner, 'POST', 'keys.remove', j({ workspaceId, keyId }));

    // A database error that quotes the submitted value (as ORM errors do) reaches the log scrubbed
    // and the client only as a reference.
    const quoting = getDb().db.$extends({
      query: { rateLimiterFlexible: { upsert: () => { throw new Error(`insert failed for value "${canaries.anthropic}"`); } } },
    }) as unknown as ReturnType<typeof getDb>['db'];
    const internal = await call(owner, 'POST', 'keys.create', j({ workspaceId, provider: 'anthropic', label: 'boom', apiKey: canaries.anthropic }), quoting);
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.json)).toMatch(/Something went wrong \(ref [0-9a-f]+\)/);

    const everything = recorded.join('\n');
    const logs = readFileSync(logFile, 'utf8');
    expect(logs).toContain('"msg":"audit"');
    expect(logs).toContain('insert failed for value');
    const db = await dumpDatabaseText(getDb().db);
    for (const [name, canary] of Object.entries(canaries)) {
      expect(findCanary(everything, canary), `${name} in an HTTP response`).toBeNull();
      expect(findCanary(logs, canary), `${name} in the server log`).toBeNull();
      expect(findCanary(db, canary), `${name} in the database outside ciphertext`).toBeNull();
    }
  });
});
