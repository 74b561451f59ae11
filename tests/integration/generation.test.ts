import { afterEach, expect, it } from 'vitest';
import type { RunEvent } from '~/lib/schemas/generation';
import { getBalance } from '~/server/services/credits';
import { modelPathFetch } from '~/server/providers/sdk';
import { openTextStream } from '~/server/providers/text-stream';
import { recoverInterruptedRuns } from '~/server/services/generation/recovery';
import { startGeneration } from '~/server/services/generation/run';
import { textCredits } from '~/server/services/pricing';
import { describeEachDb } from '../helpers/db';
import { canaryKey, findCanary } from '../helpers/canary';
import { callsWithKey, fakeRequests, keyFingerprint, setFakeLatency } from '../helpers/fake-providers';
import { callerFor, createUser, dumpDatabaseText } from '../helpers/fixtures';
import { callProcedure } from '../helpers/procedures';
import { collect, finished, ownerWithKey as withKey, scriptOf } from '../helpers/runs';

afterEach(() => setFakeLatency({ chunkIntervalMs: 2, chunks: 12, firstByteMs: 0 }));

await describeEachDb('generation', (getDb) => {
  const t = { get db() { return getDb().db; } };

  const ownerWithKey = (name: string, provider?: Parameters<typeof withKey>[2], suffix?: string) => withKey(t.db, name, provider, suffix);

  it('runs a script through the BYOK key at no credit cost, then two platform images at their price', async () => {
    const o = await ownerWithKey('Studio BYOK');
    const before = await getBalance(t.db, o.workspaceId);
    const events = await collect(
      await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, {
        prompt: 'A fox learns to code', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' }, imageCount: 2,
      }),
    );
    expect(finished(events)).toMatchObject({ status: 'succeeded', creditsUsed: 8 });
    expect(scriptOf(events)).toContain('A fox learns to code');
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(3);
    expect(events.filter((e) => e.type === 'image')).toHaveLength(2);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before - 8);

    const run = await callerFor(t.db, o.owner).generation.get({ workspaceId: o.workspaceId, runId: finished(events).runId });
    expect(run.steps.map((s) => [s.kind, s.credentialSource, s.credits, s.status])).toEqual([
      ['script', 'byok', 0, 'succeeded'],
      ['image', 'platform', 8, 'succeeded'],
    ]);
    expect(run.steps[0]!.keyId).toBe(o.key.id);
    expect((await t.db.providerKey.findUniqueOrThrow({ where: { id: o.key.id } })).lastUsedAt).not.toBeNull();

    // The BYOK key went only to Anthropic; the platform's image key only to OpenAI's image endpoint.
    const mine = await callsWithKey(o.k);
    expect(mine.some((r) => r.path.endsWith('/messages') && r.stream)).toBe(true);
    expect(mine.every((r) => r.provider === 'anthropic' && r.authHeader === 'x-api-key')).toBe(true);
    const platformOpenai = keyFingerprint(process.env.PLATFORM_OPENAI_API_KEY!);
    const images = (await fakeRequests()).filter((r) => r.path.endsWith('/images/generations') && r.keyFingerprint === platformOpenai);
    expect(images.length).toBeGreaterThan(0);
    const stdEnv = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'XAI_API_KEY', 'MISTRAL_API_KEY'];
    const forbidden = new Set(stdEnv.map((n) => keyFingerprint(process.env[n]!)));
    expect((await fakeRequests()).some((r) => r.keyFingerprint && forbidden.has(r.keyFingerprint))).toBe(false);

    expect(findCanary(JSON.stringify(events) + JSON.stringify(run), o.k)).toBeNull();
    expect(findCanary(await dumpDatabaseText(t.db), o.k)).toBeNull();
    // Watchers (any member, any tab) see a step's public fields only: not which reservation or key row it used.
    const stepEvents = events.flatMap((e) => (e.type === 'step' ? [e.step] : e.type === 'started' ? e.steps : []));
    expect(stepEvents.length).toBeGreaterThan(2);
    for (const step of stepEvents) expect(Object.keys(step)).not.toEqual(expect.arrayContaining(['keyId']));
    for (const step of stepEvents) expect(Object.keys(step)).not.toEqual(expect.arrayContaining(['reservationId']));
  });

  it('charges a platform model its price from the actual usage', async () => {
    const u = await createUser(t.db, 'Studio managed');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const events = await collect(await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt: 'Sunrise', choice: { source: 'platform', platformModelId: 'openai:gpt-4.1-mini' }, imageCount: 0 }));
    const done = finished(events);
    expect(done.status).toBe('succeeded');
    const run = await callerFor(t.db, u).generation.get({ workspaceId: ws.id, runId: done.runId });
    const step = run.steps[0]!;
    expect(step.credentialSource).toBe('managed');
    expect(step.credits).toBe(textCredits({ in: 1, out: 2 }, step.inputTokens!, step.outputTokens!));
    expect(await getBalance(t.db, ws.id)).toBe(250 - step.credits);
    const ledger = await t.db.creditLedger.aggregate({ where: { workspaceId: ws.id }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe(250 - step.credits);
  });

  it('streams and meters a script step on every provider’s wire protocol', async () => {
    for (const provider of ['anthropic', 'openai', 'google', 'xai', 'mistral'] as const) {
      const m = await t.db.platformModel.findFirstOrThrow({ where: { provider, kind: 'text', enabled: true }, orderBy: { id: 'asc' } });
      const u = await createUser(t.db, `Wire ${provider}`);
      const events = await collect(await startGeneration({ db: t.db, actor: u, workspace: { id: u.workspace.id, plan: 'free' } }, { prompt: 'Sunrise', choice: { source: 'platform', platformModelId: m.id }, imageCount: 0 }));
      expect(finished(events).status, provider).toBe('succeeded');
      const step = (await callerFor(t.db, u).generation.get({ workspaceId: u.workspace.id, runId: finished(events).runId })).steps[0]!;
      expect(step.text, provider).toBe(scriptOf(events));
      expect(scriptOf(events).length, provider).toBeGreaterThan(10);
      expect(step.inputTokens, provider).toBeGreaterThan(0);
      expect(step.outputTokens, provider).toBeGreaterThan(0);
      expect(step.credits, provider).toBe(textCredits({ in: m.creditsPer1kInput, out: m.creditsPer1kOutput }, step.inputTokens!, step.outputTokens!));
    }
  });

  it('refuses a run the balance cannot cover before any provider call, with the balance and the need', async () => {
    const u = await createUser(t.db, 'Studio poor');
    await t.db.workspace.update({ where: { id: u.workspace.id }, data: { creditBalance: 3 } });
    await t.db.creditLedger.create({ data: { id: `adj-${u.id}`, workspaceId: u.workspace.id, amount: -247, kind: 'grant', reason: 'test', idempotencyKey: `adj-${u.id}` } });
    const requestsBefore = (await fakeRequests()).length;
    const err = await startGeneration({ db: t.db, actor: u, workspace: { id: u.workspace.id, plan: 'free' } }, { prompt: 'x', imageCount: 2 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PAYMENT_REQUIRED', reason: 'insufficient_credits', details: { balance: 3 } });
    expect((err as Error).message).toMatch(/needs up to \d+ and the workspace has 3/);
    expect((await fakeRequests()).length).toBe(requestsBefore);
    expect(await t.db.generationRun.count({ where: { workspaceId: u.workspace.id } })).toBe(0);
    expect(await getBalance(t.db, u.workspace.id)).toBe(3);
  });

  it('lets Free workspaces run managed models only', async () => {
    const o = await ownerWithKey('Studio downgraded');
    await t.db.workspace.update({ where: { id: o.workspaceId }, data: { plan: 'free' } });
    const err = await startGeneration({ db: t.db, actor: o.owner, workspace: { id: o.workspaceId, plan: 'free' } }, {
      prompt: 'x', choice: { source: 'byok', keyId: o.key.id, modelId: 'claude-haiku-4-5-20251001' }, imageCount: 0,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORBIDDEN', reason: 'plan_required' });
  });

  it('keeps a stream that is cut mid-way: partial text, a clear error, nothing charged', async () => {
    const o = await ownerWithKey('Studio cut', 'openai', '-cut');
    const before = await getBalance(t.db, o.workspaceId);
    const events = await collect(await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'x', choice: { source: 'byok', keyId: o.key.id, modelId: 'gpt-4.1-mini' }, imageCount: 1 }));
    expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'stream_interrupted' });
    expect(scriptOf(events).length).toBeGreaterThan(0);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
  });

  it('gives up on a stalled stream', async () => {
    const o = await ownerWithKey('Studio stall', 'openai', '-stall');
    const events = await collect(await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'x', choice: { source: 'byok', keyId: o.key.id, modelId: 'gpt-4.1-mini' }, imageCount: 0 }));
    expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'stream_interrupted' });
  });

  it('cancelling mid-stream stops the provider request and releases the reservation', async () => {
    await setFakeLatency({ chunkIntervalMs: 150, chunks: 40 });
    const u = await createUser(t.db, 'Studio cancel');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const controller = new AbortController();
    const gen = await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt: 'long', choice: { source: 'platform', platformModelId: 'mistral:mistral-small-latest' }, imageCount: 1 }, controller.signal);
    const events: RunEvent[] = [];
    for await (const e of gen) {
      events.push(e);
      if (e.type === 'delta' && events.filter((x) => x.type === 'delta').length === 2) controller.abort();
    }
    expect(finished(events)).toMatchObject({ status: 'cancelled', creditsUsed: 0 });
    expect(await getBalance(t.db, ws.id)).toBe(250);
    await new Promise((r) => setTimeout(r, 100));
    const call = (await fakeRequests()).filter((r) => r.provider === 'mistral' && r.stream).at(-1)!;
    expect(call.clientAborted).toBe(true);
  });

  it('a cancel that comes after the provider has sent its whole answer still ends the run and returns the credits', async () => {
    // Node's fetch leaves a body read pending forever when the abort comes after the response has fully
    // arrived (nodejs/undici#4089): a Cancel pressed as the provider finishes must not hang the run.
    const o = await ownerWithKey('Studio late cancel', 'openai');
    const before = await getBalance(t.db, o.workspaceId);
    const controller = new AbortController();
    const gen = await startGeneration({ db: t.db, actor: o.owner, workspace: o.ws }, { prompt: 'late', choice: { source: 'byok', keyId: o.key.id, modelId: 'gpt-4.1-mini' }, imageCount: 1 }, controller.signal);
    const events: RunEvent[] = [];
    const ended = (async () => {
      for await (const e of gen) {
        events.push(e);
        if (e.type === 'delta' && !controller.signal.aborted) {
          // Wait until the provider's response has ended, unread, then cancel.
          for (;;) {
            const call = (await callsWithKey(o.k)).find((r) => r.stream);
            if (call?.durationMs != null) break;
            await new Promise((r) => setTimeout(r, 10));
          }
          await new Promise((r) => setTimeout(r, 100)); // and this process has received it
          controller.abort();
        }
      }
      return 'ended';
    })();
    expect(await Promise.race([ended, new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5_000))])).toBe('ended');
    expect(finished(events)).toMatchObject({ status: 'cancelled', creditsUsed: 0 });
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
    expect(await t.db.creditReservation.count({ where: { workspaceId: o.workspaceId, status: 'held' } })).toBe(0);
  });

  it('a consumer that leaves right after the run started cancels it: provider request stopped, credits returned', async () => {
    await setFakeLatency({ firstByteMs: 300, chunkIntervalMs: 150, chunks: 40 });
    const u = await createUser(t.db, 'Studio leaves early');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const gen = await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt: 'long', choice: { source: 'platform', platformModelId: 'mistral:mistral-small-latest' }, imageCount: 1 });
    const started = await gen.next();
    expect(started.value).toMatchObject({ type: 'started' });
    await gen.return(undefined); // the tab closed before any token (no request signal: only the generator ends)
    const run = await t.db.generationRun.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(run.status).toBe('cancelled');
    expect(await getBalance(t.db, ws.id)).toBe(250);
    await new Promise((r) => setTimeout(r, 400));
    const call = (await fakeRequests()).filter((r) => r.provider === 'mistral' && r.stream).at(-1)!;
    expect(call.clientAborted).toBe(true);
  });

  it('a run interrupted by a crash is marked failed and its reservation released at the next start', async () => {
    await setFakeLatency({ chunkIntervalMs: 200, chunks: 40 });
    const u = await createUser(t.db, 'Studio crash');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const gen = await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt: 'x', choice: { source: 'platform', platformModelId: 'openai:gpt-4.1-mini' }, imageCount: 2 });
    await gen.next(); // started
    await gen.next(); // step running
    expect(await getBalance(t.db, ws.id)).toBeLessThan(250);
    // The process dies here: the generator is never resumed or closed.
    expect(await recoverInterruptedRuns(t.db, 0)).toBeGreaterThanOrEqual(1);
    expect(await getBalance(t.db, ws.id)).toBe(250);
    const [run] = (await callerFor(t.db, u).generation.history({ workspaceId: ws.id })).items;
    expect(run).toMatchObject({ status: 'failed', errorCode: 'interrupted' });
  });

  it('lists runs newest first, paginated, and hides other workspaces', async () => {
    const u = await createUser(t.db, 'Studio history');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    for (const p of ['one', 'two', 'three']) await collect(await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt: p, imageCount: 0 }));
    const c = callerFor(t.db, u);
    const page1 = await c.generation.history({ workspaceId: ws.id, limit: 2 });
    expect(page1.items.map((r) => r.prompt)).toEqual(['three', 'two']);
    const page2 = await c.generation.history({ workspaceId: ws.id, limit: 2, cursor: page1.nextCursor });
    expect(page2.items.map((r) => r.prompt)).toEqual(['one']);
    expect(page2.nextCursor).toBeNull();
    const other = await createUser(t.db, 'Studio other');
    await expect(callerFor(t.db, other).generation.get({ workspaceId: other.workspace.id, runId: page1.items[0]!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a path-traversing model id before any provider call, and the key stays healthy', async () => {
    const o = await ownerWithKey('Studio traversal', 'google');
    const calls = (await callsWithKey(o.k)).length;
    const before = await getBalance(t.db, o.workspaceId);
    for (const modelId of ['../../anthropic/v1/x', 'gemini-2.5-flash/../../x', 'tunedModels/x', '..', 'gemini 2.5']) {
      const input = { workspaceId: o.workspaceId, prompt: 'x', imageCount: 0, choice: { source: 'byok', keyId: o.key.id, modelId } };
      const err = await callProcedure(callerFor(t.db, o.member), 'generation.start', input).catch((e: unknown) => e);
      expect(err, modelId).toMatchObject({ code: 'BAD_REQUEST' });
      expect(JSON.stringify(err)).not.toContain('anthropic/v1');
    }
    expect(await callsWithKey(o.k)).toHaveLength(calls);
    const key = await t.db.providerKey.findUniqueOrThrow({ where: { id: o.key.id } });
    expect(key.status).toBe('active');
    expect(await t.db.generationRun.count({ where: { workspaceId: o.workspaceId } })).toBe(0);
    expect(await getBalance(t.db, o.workspaceId)).toBe(before);
  });

  it('sends a Google key only to the model’s own endpoints, whatever URL is asked for', async () => {
    const base = process.env.GOOGLE_BASE_URL!;
    const key = canaryKey('AQ.');
    const guarded = modelPathFetch(base, 'gemini-2.5-flash');
    const headers = { 'x-goog-api-key': key, 'content-type': 'application/json' };
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    for (const url of [
      `${base}/../../anthropic/v1/x:streamGenerateContent`,
      `${base}/models/gemini-2.5-flash/../../../anthropic/v1/messages`,
      `${base}/models/gemini-2.5-pro:generateContent`,
      `${base}/files`,
      `http://evil.invalid/google/v1beta/models/gemini-2.5-flash:generateContent`,
    ]) {
      await expect(guarded(url, { method: 'POST', headers, body }), url).rejects.toThrow(/Refused/);
    }
    expect(await callsWithKey(key)).toHaveLength(0);
    const ok = await guarded(`${base}/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers, body });
    expect(ok.status).toBe(200);
    expect(await callsWithKey(key)).toHaveLength(1);
    // And a script step sends nothing for an id outside the pattern, whatever the provider.
    for (const provider of ['google', 'openai'] as const) {
      const request = { provider, apiKey: key, modelId: '../../anthropic/v1/x', system: 's', prompt: 'p', maxOutputTokens: 10, signal: new AbortController().signal };
      await expect(openTextStream(request)).rejects.toThrow(/Invalid model id/);
    }
    expect(await callsWithKey(key)).toHaveLength(1);
  });

  it('refuses a My-models pick that the key does not offer, before any provider call', async () => {
    const o = await ownerWithKey('Studio unoffered', 'google');
    await t.db.discoveredModel.updateMany({ where: { keyId: o.key.id, modelId: 'gemini-2.5-pro' }, data: { available: false } });
    const calls = (await callsWithKey(o.k)).length;
    for (const modelId of ['gemini-9-ultra', 'gemini-2.5-pro', 'claude-haiku-4-5-20251001']) {
      const err = await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 0, choice: { source: 'byok', keyId: o.key.id, modelId } }).catch((e: unknown) => e);
      expect(err, modelId).toMatchObject({ code: 'BAD_REQUEST', reason: 'model_unavailable' });
    }
    expect(await callsWithKey(o.k)).toHaveLength(calls);
    expect(await t.db.generationRun.count({ where: { workspaceId: o.workspaceId } })).toBe(0);
    // The same key with a model it does offer runs.
    const ok = await collect(await startGeneration({ db: t.db, actor: o.member, workspace: o.ws }, { prompt: 'x', imageCount: 0, choice: { source: 'byok', keyId: o.key.id, modelId: 'gemini-2.5-flash' } }));
    expect(finished(ok).status).toBe('succeeded');
  });

  it('returns every reserved credit when writing the run fails after the reservation', async () => {
    const u = await createUser(t.db, 'Studio insert fails');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    // The database refuses the run's insert (as it refused a NUL byte in the prompt).
    const failing = t.db.$extends({
      query: {
        async $executeRaw({ args, query }) {
          if (JSON.stringify(args).includes('INSERT INTO generation_run')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
          return query(args);
        },
      },
    }) as unknown as typeof t.db;
    const err = await startGeneration({ db: failing, actor: u, workspace: ws }, { prompt: 'A fox', choice: { source: 'platform', platformModelId: 'openai:gpt-4.1-mini' }, imageCount: 2 })
      .then(collect)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await getBalance(t.db, ws.id)).toBe(250);
    expect(await t.db.creditReservation.count({ where: { workspaceId: ws.id, status: 'held' } })).toBe(0);
    const ledger = await t.db.creditLedger.aggregate({ where: { workspaceId: ws.id }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe(250);
  });

  it('charges a long CJK prompt its catalog price from the reported usage', async () => {
    const u = await createUser(t.db, 'Studio CJK');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const prompt = '春眠不覚暁処処聞啼鳥夜来風雨声花落知多少'.repeat(200); // 4,000 characters, ~1 token each
    expect(prompt).toHaveLength(4000);
    const m = await t.db.platformModel.findUniqueOrThrow({ where: { id: 'mistral:mistral-small-latest' } });
    const events = await collect(await startGeneration({ db: t.db, actor: u, workspace: ws }, { prompt, choice: { source: 'platform', platformModelId: m.id }, imageCount: 0 }));
    expect(finished(events).status).toBe('succeeded');
    const step = (await callerFor(t.db, u).generation.get({ workspaceId: ws.id, runId: finished(events).runId })).steps[0]!;
    expect(step.inputTokens).toBeGreaterThanOrEqual(4000);
    const price = textCredits({ in: m.creditsPer1kInput, out: m.creditsPer1kOutput }, step.inputTokens!, step.outputTokens!);
    expect(step.credits).toBe(price);
    expect(await getBalance(t.db, ws.id)).toBe(250 - price);
    // The estimate (UTF-8 bytes) covered it: the reservation was at least the price.
    const reservation = await t.db.creditReservation.findFirstOrThrow({ where: { workspaceId: ws.id, purpose: { endsWith: 'script' } } });
    expect(reservation.amount).toBeGreaterThanOrEqual(price);
    expect(reservation.charged).toBe(price);
  });
});
