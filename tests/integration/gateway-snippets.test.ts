// The Developers page's gateway snippets are runnable as shown (issue 17): each Node and curl snippet runs,
// in a process of its own whose environment is exactly the page's lines for that provider, against the
// app's gateway and the fake providers; each Python snippet at least compiles (the Python SDKs are not
// installed here).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { GATEWAY_PROVIDERS, type GatewayProvider } from '~/lib/gateway';
import { dotenv, envLines, exports, snippet } from '~/lib/gateway-snippets';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { startApiServer } from '../helpers/api-server';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { clearFakeRequests, fakeRequests } from '../helpers/fake-providers';
import { proWorkspace } from '../helpers/fixtures';

// Inside the project, so the snippets' imports resolve to the SDKs installed as dev dependencies.
const DIR = join(process.cwd(), `.data-snippets-${process.pid}`);
let server: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  server = await startApiServer();
});
afterAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  await server.close();
});

function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: process.env.PATH ?? '', ...env } as unknown as NodeJS.ProcessEnv, cwd: DIR, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const envOf = (provider: GatewayProvider, token: string) => Object.fromEntries(envLines(provider, server.base, token).map((l) => [l.name, l.value]));

it('writes the environment lines in both forms, with the token and the gateway address', () => {
  const lines = envLines('openai', 'https://studio.example.com', 'byok_rt_abc');
  expect(dotenv(lines)).toBe('OPENAI_API_KEY=byok_rt_abc\nOPENAI_BASE_URL=https://studio.example.com/api/gateway/openai/v1');
  expect(exports(lines)).toBe('export OPENAI_API_KEY=byok_rt_abc\nexport OPENAI_BASE_URL=https://studio.example.com/api/gateway/openai/v1');
  // Where the SDK reads no base URL, the variable is ours and the snippet reads it.
  expect(envLines('xai', 'http://x', 't').map((l) => [l.name, l.readBySdk])).toEqual([['XAI_API_KEY', true], ['XAI_BASE_URL', false]]);
  expect(snippet('xai', 'node')).toContain('process.env.XAI_BASE_URL');
  expect(snippet('mistral', 'python')).toContain('os.environ["MISTRAL_BASE_URL"]');
  // A value a shell would split or expand is quoted in the export form.
  expect(exports(envLines('openai', "http://a b/'", 't'))).toContain(`export OPENAI_BASE_URL='http://a b/'\\''/api/gateway/openai/v1'`);
});

await describeEachDb('the Developers page snippets', (getDb) => {
  let token = '';
  beforeEach(serveFromTestDb(getDb));
  beforeAll(async () => {
    const { owner, workspaceId } = await proWorkspace(getDb().db, 'Snippets');
    await getDb().db.workspace.update({ where: { id: workspaceId }, data: { creditBalance: 100_000 } });
    ({ token } = await createRuntimeToken({ db: getDb().db, actor: owner, workspace: { id: workspaceId, role: 'owner' } }, { label: 'snippets' }));
  });

  it.each(GATEWAY_PROVIDERS)('runs the %s Node snippet with the page’s environment lines only', async (provider) => {
    await clearFakeRequests();
    const file = join(DIR, `${provider}.mjs`);
    writeFileSync(file, snippet(provider, 'node'));
    const r = await run(process.execPath, [file], envOf(provider, token));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    // It went through the gateway to the provider (the fake), not anywhere else.
    expect((await fakeRequests()).filter((q) => q.provider === (provider === 'brave' ? 'brave' : provider))).not.toHaveLength(0);
  });

  it.each(GATEWAY_PROVIDERS)('runs the %s curl snippet with the page’s environment lines only', async (provider) => {
    const r = await run('bash', ['-c', snippet(provider, 'curl')], envOf(provider, token));
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(body.error ?? null).toBeNull();
    expect(Object.keys(body).length).toBeGreaterThan(0);
  });

  it.each(GATEWAY_PROVIDERS)('gives a %s Python snippet that compiles', async (provider) => {
    const file = join(DIR, `${provider}.py`);
    writeFileSync(file, snippet(provider, 'python'));
    const r = await run('python3', ['-m', 'py_compile', file], {});
    expect(r.code, r.stderr).toBe(0);
  });
});
