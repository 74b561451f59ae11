// The workspace AI gateway through the providers' official SDKs (issue 17): each SDK runs in a process of
// its own, configured only by the environment variables it reads, against the app's gateway and the fake
// providers — streamed and whole text, embeddings, model lists, and the SDKs' own errors for a revoked
// token, a provider's rate limit and an aborted stream.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayProvider } from '~/lib/gateway';
import { flushCalls } from '~/server/gateway/calls';
import { changingConfig } from '~/server/db/config-changes';
import { createRuntimeToken, revokeRuntimeToken } from '~/server/services/runtime-tokens';
import { startApiServer } from '../helpers/api-server';
import { canaryKey } from '../helpers/canary';
import { describeEachDb, serveFromTestDb } from '../helpers/db';
import { callsWithKey, clearFakeRequests, fakeRequests, keyFingerprint } from '../helpers/fake-providers';
import { callerFor, proWorkspace } from '../helpers/fixtures';

let server: Awaited<ReturnType<typeof startApiServer>>;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(() => server.close());

export type SdkResult = { ok: boolean; errorClass?: string; status?: number | string | null; retryAfter?: string | null; [k: string]: unknown };

/** Runs an SDK call the way a workspace runtime would: only the SDK's variables in its environment. */
export function runSdk(base: string, token: string, provider: GatewayProvider, action: string, model?: string): Promise<SdkResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    OPENAI_API_KEY: token, OPENAI_BASE_URL: `${base}/api/gateway/openai/v1`,
    ANTHROPIC_API_KEY: token, ANTHROPIC_BASE_URL: `${base}/api/gateway/anthropic`,
    GOOGLE_API_KEY: token, GOOGLE_GEMINI_BASE_URL: `${base}/api/gateway/google`,
    XAI_API_KEY: token, XAI_BASE_URL: `${base}/api/gateway/xai/v1`,
    MISTRAL_API_KEY: token, MISTRAL_BASE_URL: `${base}/api/gateway/mistral`,
    BRAVE_API_KEY: token, BRAVE_BASE_URL: `${base}/api/gateway/brave`,
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['tests/gateway/sdk-client.mjs', provider, action, ...(model ? [model] : [])], { env: env as NodeJS.ProcessEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1);
      if (!line) return reject(new Error(`no output (${err?.message ?? ''}) ${stderr.slice(0, 500)}`));
      resolve(JSON.parse(line) as SdkResult);
    });
  });
}

const KEYS: Record<Exclude<GatewayProvider, 'brave'>, string> = {
  openai: 'sk-proj-', anthropic: 'sk-ant-api03-', google: 'AQ.', xai: 'xai-', mistral: '',
};

await describeEachDb('gateway through the official SDKs', (getDb) => {
  const db = () => getDb().db;
  beforeEach(serveFromTestDb(getDb));

  /** A Pro workspace in byok mode with a key per provider, and a runtime token. */
  async function byokWorkspace(name: string, scenario: Partial<Record<keyof typeof KEYS, string>> = {}) {
    const { owner, workspaceId } = await proWorkspace(db(), name);
    const c = callerFor(db(), owner);
    const keys = {} as Record<keyof typeof KEYS, string>;
    for (const p of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
      keys[p] = canaryKey(KEYS[p]);
      await c.keys.create({ workspaceId, provider: p, label: 'primary', apiKey: keys[p] });
      // A scenario (e.g. rate limiting) the key shows only after it was stored.
      if (scenario[p]) {
        const row = await db().providerKey.findFirstOrThrow({ where: { workspaceId, provider: p } });
        keys[p] = `${keys[p]}-${scenario[p]}`;
        const { sealProviderKey } = await import('~/server/vault/envelope');
        await db().providerKey.update({ where: { id: row.id }, data: await sealProviderKey({ workspaceId, provider: p, keyId: row.id }, keys[p]) });
      }
    }
    await c.models.setAiConfig({ workspaceId, mode: 'byok', provider: 'openai', model: 'gpt-4.1-mini' });
    const ws = { id: workspaceId, role: 'owner' as const };
    const { token, info } = await createRuntimeToken({ db: db(), actor: owner, workspace: ws }, { label: 'ci' });
    return { owner, workspaceId, keys, token, tokenId: info.id, ws };
  }

  describe('byok', () => {
    let w: Awaited<ReturnType<typeof byokWorkspace>>;
    beforeAll(async () => {
      serveFromTestDb(getDb)();
      w = await byokWorkspace('Gateway SDKs');
    });

    it.each([
      ['openai', 'chat'], ['openai', 'chat-stream'], ['openai', 'responses'], ['openai', 'responses-stream'], ['openai', 'embeddings', 'text-embedding-3-small'], ['openai', 'models'],
      ['anthropic', 'chat'], ['anthropic', 'chat-stream'], ['anthropic', 'models'],
      ['google', 'chat'], ['google', 'chat-stream'], ['google', 'embeddings'], ['google', 'models'],
      ['xai', 'chat'], ['xai', 'chat-stream'], ['xai', 'models'],
      ['mistral', 'chat'], ['mistral', 'chat-stream'], ['mistral', 'embeddings'], ['mistral', 'models'],
    ] as const)('%s %s goes through with the workspace key', async (provider, action, model?: string) => {
      await clearFakeRequests();
      const r = await runSdk(server.base, w.token, provider, action, model);
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
      if ('text' in r) expect(String(r.text)).toMatch(/Scene one/);
      if (action === 'models') expect((r.models as string[]).length).toBeGreaterThan(1);
      if (action === 'embeddings') expect(r.vectors).toBe(2);
      // The workspace's key reached the provider, in its header; the runtime token never did.
      const calls = await fakeRequests();
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((q) => q.keyFingerprint === keyFingerprint(w.keys[provider]) && !q.keyInUrl)).toBe(true);
      expect(calls.some((q) => q.keyFingerprint === keyFingerprint(w.token))).toBe(false);
    });

    it('gives an OpenAI stream exactly what the caller asked for: no usage chunk unless requested', async () => {
      const plain = await runSdk(server.base, w.token, 'openai', 'chat-stream');
      expect(plain).toMatchObject({ ok: true, usageChunks: 0 });
      const withUsage = await runSdk(server.base, w.token, 'openai', 'chat-stream-usage');
      expect(withUsage).toMatchObject({ ok: true, usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) } });
    });

    it('records every call with its tokens, and charges no credits in byok mode', async () => {
      const before = await db().workspace.findUniqueOrThrow({ where: { id: w.workspaceId }, select: { creditBalance: true } });
      await runSdk(server.base, w.token, 'anthropic', 'chat');
      await flushCalls(db());
      const [last] = await db().gatewayCall.findMany({ where: { workspaceId: w.workspaceId, provider: 'anthropic', operation: 'messages' }, orderBy: { createdAt: 'desc' }, take: 1 });
      expect(last).toMatchObject({ credentialSource: 'byok', status: 200, outcome: 'ok', credits: 0, tokenId: w.tokenId });
      expect(last!.inputTokens).toBeGreaterThan(0);
      expect(last!.outputTokens).toBeGreaterThan(0);
      expect((await db().workspace.findUniqueOrThrow({ where: { id: w.workspaceId }, select: { creditBalance: true } })).creditBalance).toBe(before.creditBalance);
      expect((await db().runtimeToken.findUniqueOrThrow({ where: { id: w.tokenId } })).lastUsedAt).not.toBeNull();
    });

    it('aborting a stream mid-way aborts the upstream request', async () => {
      await clearFakeRequests();
      const { setFakeLatency } = await import('../helpers/fake-providers');
      await setFakeLatency({ chunkIntervalMs: 100, chunks: 30 });
      try {
        const r = await runSdk(server.base, w.token, 'openai', 'abort-stream');
        expect(r).toMatchObject({ ok: true, aborted: true });
        await expect.poll(async () => (await callsWithKey(w.keys.openai)).map((q) => q.clientAborted), { timeout: 5_000 }).toEqual([true]);
      } finally {
        await setFakeLatency({ chunkIntervalMs: 2, chunks: 12 });
      }
    });

    it('a revoked token raises each SDK’s authentication error at once', async () => {
      const { token, info } = await createRuntimeToken({ db: db(), actor: w.owner, workspace: w.ws }, { label: 'to revoke' });
      expect(await runSdk(server.base, token, 'openai', 'chat')).toMatchObject({ ok: true });
      await revokeRuntimeToken({ db: db(), actor: w.owner, workspace: w.ws }, { tokenId: info.id });
      expect(await runSdk(server.base, token, 'openai', 'chat')).toMatchObject({ ok: false, errorClass: 'AuthenticationError', status: 401 });
      expect(await runSdk(server.base, token, 'anthropic', 'chat')).toMatchObject({ ok: false, errorClass: 'AuthenticationError', status: 401 });
      expect(await runSdk(server.base, token, 'google', 'chat')).toMatchObject({ ok: false, status: 401 });
      expect(await runSdk(server.base, token, 'mistral', 'chat')).toMatchObject({ ok: false, status: 401 });
      expect(await runSdk(server.base, 'byok_rt_not-a-real-token-at-all-000000000000000', 'xai', 'chat')).toMatchObject({ ok: false, errorClass: 'AuthenticationError' });
    });

    it('an expired token and another workspace’s provider bounds are refused', async () => {
      const { token, info } = await createRuntimeToken({ db: db(), actor: w.owner, workspace: w.ws }, { label: 'short', expiresInDays: 1, providers: ['anthropic'] });
      expect(await runSdk(server.base, token, 'openai', 'chat')).toMatchObject({ ok: false, errorClass: 'PermissionDeniedError', status: 403 });
      expect(await runSdk(server.base, token, 'anthropic', 'chat')).toMatchObject({ ok: true });
      await db().runtimeToken.update({ where: { id: info.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect(await runSdk(server.base, token, 'anthropic', 'chat')).toMatchObject({ ok: false, errorClass: 'AuthenticationError' });
    });
  });

  it('a provider’s rate limit reaches the SDK as its rate-limit error, with retry-after', async () => {
    const w = await byokWorkspace('Gateway limits', { openai: 'ratelimit', anthropic: 'ratelimit' });
    // With no other key and no fallback to credits, the provider's own 429 goes back (docs/key-controls.md).
    await changingConfig(db(), w.workspaceId, () => db().workspace.update({ where: { id: w.workspaceId }, data: { fallbackPolicy: 'never' } }));
    expect(await runSdk(server.base, w.token, 'openai', 'chat')).toMatchObject({ ok: false, errorClass: 'RateLimitError', status: 429, retryAfter: '2' });
    expect(await runSdk(server.base, w.token, 'anthropic', 'chat')).toMatchObject({ ok: false, errorClass: 'RateLimitError', status: 429, retryAfter: '7' });
  });
});
