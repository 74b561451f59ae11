// The image step through Google (PLATFORM_IMAGE_PROVIDER=google): Gemini image models make one image per
// generateContent call with the IMAGE response modality, under the platform's Google key; each image is
// stored and charged at the catalog's per-image price, and images not made cost nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it, vi } from 'vitest';
import { addCatalogModel, editCatalogModel } from '~/server/services/catalog';
import { getBalance } from '~/server/services/credits';
import { startGeneration } from '~/server/services/generation/run';
import { TINY_PNG_BASE64 } from '../../fake-providers/catalog';
import { describeEachDb } from '../helpers/db';
import { callsWithKey } from '../helpers/fake-providers';
import { callerFor, createUser } from '../helpers/fixtures';
import { collect, finished } from '../helpers/runs';

// The configuration is read once per process, on first use: set before any test runs, with platform keys
// of this file's own, so the fake providers' record shows exactly which calls these runs made.
const googleKey = `AQ.platform-images-${randomBytes(8).toString('hex')}`;
const openaiKey = `sk-platform-images-${randomBytes(8).toString('hex')}`;
vi.stubEnv('PLATFORM_IMAGE_PROVIDER', 'google');
vi.stubEnv('PLATFORM_GOOGLE_API_KEY', googleKey);
vi.stubEnv('PLATFORM_OPENAI_API_KEY', openaiKey);
afterAll(() => {
  vi.unstubAllEnvs();
});

const SCRIPT = { source: 'platform' as const, platformModelId: 'mistral:mistral-small-latest' };

await describeEachDb('images through Google', (getDb) => {
  const db = () => getDb().db;

  it('makes each image with Gemini generateContent under the platform Google key, stores it and charges it per image', async () => {
    const u = await createUser(db(), 'Gemini images');
    const ws = { id: u.workspace.id, plan: 'free' as const };
    const model = await db().platformModel.findFirstOrThrow({ where: { provider: 'google', kind: 'image', enabled: true }, orderBy: { id: 'asc' } });
    expect(model.creditsPerImage).toBeGreaterThan(0);
    const calls = (await callsWithKey(googleKey)).length;

    const events = await collect(await startGeneration({ db: db(), actor: u, workspace: ws }, { prompt: 'A lighthouse at dusk', choice: SCRIPT, imageCount: 3, aspectRatio: '16:9' }));
    expect(finished(events).status).toBe('succeeded');
    const imageIds = events.flatMap((e) => (e.type === 'image' ? [e.imageId] : []));
    expect(imageIds).toHaveLength(3);

    const run = await callerFor(db(), u).generation.get({ workspaceId: ws.id, runId: finished(events).runId });
    const [script, image] = run.steps;
    expect(image).toMatchObject({ kind: 'image', provider: 'google', modelId: model.modelId, credentialSource: 'platform', status: 'succeeded', credits: 3 * model.creditsPerImage });
    expect(run.creditsUsed).toBe(script!.credits + 3 * model.creditsPerImage);
    expect(await getBalance(db(), ws.id)).toBe(250 - run.creditsUsed);
    const ledger = await db().creditLedger.aggregate({ where: { workspaceId: ws.id }, _sum: { amount: true } });
    expect(ledger._sum.amount).toBe(250 - run.creditsUsed);

    // Stored, as the provider sent them, and listed with the run.
    const stored = await db().generatedImage.findMany({ where: { runId: run.id }, select: { id: true, workspaceId: true, mimeType: true, data: true } });
    expect(stored.map((i) => i.id).sort()).toEqual([...imageIds].sort());
    expect(run.images.sort()).toEqual([...imageIds].sort());
    for (const img of stored) {
      expect(img).toMatchObject({ workspaceId: ws.id, mimeType: 'image/png' });
      expect(Buffer.from(img.data).equals(Buffer.from(TINY_PNG_BASE64, 'base64'))).toBe(true);
    }

    // One generateContent call per image, on the image model's own endpoint, the key in its header only.
    const made = (await callsWithKey(googleKey)).slice(calls);
    expect(made).toHaveLength(3);
    for (const call of made) {
      expect(call).toMatchObject({ provider: 'google', method: 'POST', path: `/gemini/v1beta/models/${model.modelId}:generateContent`, authHeader: 'x-goog-api-key', keyInUrl: false, stream: false });
    }
    expect(await callsWithKey(openaiKey)).toHaveLength(0);
  });

  it('charges nothing for images Gemini does not make and returns their reservation', async () => {
    // The operator's image model is one Google no longer serves (the fake answers 404 for it).
    await addCatalogModel(db(), { provider: 'google', modelId: 'gemini-2.0-flash-image-retired', kind: 'image', creditsPerImage: 4 });
    await editCatalogModel(db(), 'google:gemini-3.1-flash-image-preview', { enabled: false });
    try {
      const u = await createUser(db(), 'Gemini images fail');
      const ws = { id: u.workspace.id, plan: 'free' as const };
      const events = await collect(await startGeneration({ db: db(), actor: u, workspace: ws }, { prompt: 'A lighthouse', choice: SCRIPT, imageCount: 2 }));
      expect(finished(events)).toMatchObject({ status: 'failed', errorCode: 'image_failed' });
      expect(events.filter((e) => e.type === 'image')).toHaveLength(0);
      const run = await callerFor(db(), u).generation.get({ workspaceId: ws.id, runId: finished(events).runId });
      expect(run.steps[1]).toMatchObject({ kind: 'image', provider: 'google', modelId: 'gemini-2.0-flash-image-retired', status: 'failed', credits: 0 });
      expect(run.creditsUsed).toBe(run.steps[0]!.credits);
      expect(await getBalance(db(), ws.id)).toBe(250 - run.creditsUsed);
      expect(await db().creditReservation.count({ where: { workspaceId: ws.id, status: 'held' } })).toBe(0);
      expect(await db().generatedImage.count({ where: { runId: run.id } })).toBe(0);
    } finally {
      await editCatalogModel(db(), 'google:gemini-3.1-flash-image-preview', { enabled: true });
      await editCatalogModel(db(), 'google:gemini-2.0-flash-image-retired', { enabled: false });
    }
  });
});
