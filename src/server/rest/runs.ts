import 'server-only';
// The REST runs (issue 18): start (202, queued), read, list, cancel, and the events as Server-Sent
// Events. The events stream is also the Studio's: it accepts the session cookie as well as a personal
// access token (a GET that changes nothing, so no CSRF guard is needed), and resumes after Last-Event-ID.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZRestRun, ZRestRunInput, ZRestRunList } from '~/lib/schemas/rest-runs';
import { isId } from '~/lib/schemas/ids';
import { ZRestError } from '~/lib/schemas/rest';
import type { Db } from '~/server/db/connect';
import { notFound } from '~/server/errors';
import { methodNotAllowed } from '~/server/http/routes/methods';
import type { WorkspaceCtx } from '~/server/services/context';
import { getRun } from '~/server/services/generation/history';
import { followRunEvents } from '~/server/services/run-feed';
import { cancelRun, invalidCursor, isWorkspaceRun, listRunsPage, startRun } from '~/server/services/runs';
import { takeStreamSlot } from '~/server/services/stream-limits';

export const RUN_OPERATIONS = {
  createRun: { method: 'POST', url: '/api/workspaces/:workspace_id/runs' },
  listRuns: { method: 'GET', url: '/api/workspaces/:workspace_id/runs' },
  getRun: { method: 'GET', url: '/api/workspaces/:workspace_id/runs/:run_id' },
  cancelRun: { method: 'POST', url: '/api/workspaces/:workspace_id/runs/:run_id/cancel' },
  streamRunEvents: { method: 'GET', url: '/api/workspaces/:workspace_id/runs/:run_id/events' },
} as const;

const SSE_KEEPALIVE_MS = 15_000;
const Params = z.object({ workspace_id: z.string().describe('The workspace id'), run_id: z.string().describe('The run id') });
const WsParams = Params.pick({ workspace_id: true });
const err = (status: number, description: string) => ({ [status]: ZRestError.describe(description) });
const E401 = err(401, 'Missing, unknown, revoked or expired token');
const E404 = err(404, 'No such workspace or run, or not yours');

type Run = Awaited<ReturnType<typeof getRun>>;

function runToWire(workspaceId: string, r: Run): z.infer<typeof ZRestRun> {
  const scripts = r.steps.filter((s) => s.kind === 'script');
  const script = scripts.at(-1) ?? null;
  return {
    id: r.id,
    status: r.status as z.infer<typeof ZRestRun>['status'],
    prompt: r.prompt,
    tier: (r.tier as z.infer<typeof ZRestRun>['tier']) ?? null,
    created_at: r.createdAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
    credential_kind: script?.credentialSource ?? null,
    credits_used: r.creditsUsed,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    cancel_requested: r.cancelRequestedAt !== null,
    steps: r.steps.map((s) => ({
      id: s.id, kind: s.kind, provider: s.provider, model: s.modelId, credential_kind: s.credentialSource, status: s.status, error_code: s.errorCode,
      input_tokens: s.inputTokens, output_tokens: s.outputTokens, credits: s.credits,
    })),
    script: script?.text ?? null,
    image_urls: r.images.map((id) => `/api/images/${id}`),
    events_url: `/api/workspaces/${workspaceId}/runs/${r.id}/events`,
  };
}

type WorkspaceCtxOf = (request: FastifyRequest, workspaceId: string) => Promise<WorkspaceCtx>;

export function runRoutes(fastify: FastifyInstance, workspaceCtx: WorkspaceCtxOf) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // A stopping server ends its event streams, or it would wait for them forever.
  fastify.addHook('preClose', (done) => {
    for (const c of openStreams) c.abort();
    done();
  });
  const runId = (id: string) => {
    if (!isId(id)) throw notFound('Run not found');
    return id;
  };

  app.post('/api/workspaces/:workspace_id/runs', {
    config: { logFields: { plain: ['tier', 'model', 'images', 'aspect_ratio'], secret: [] } },
    schema: {
      operationId: 'createRun', tags: ['Runs'], summary: 'Start a Content Studio run (queued; a worker executes it)',
      description: 'Answers 202 at once with the queued run. Follow it with events_url (SSE) or GET the run. Managed steps reserve their credits now: a run that cannot be paid for is refused (402) before any provider call.',
      params: WsParams, body: ZRestRunInput,
      response: { 202: ZRestRun, ...err(400, 'Bad input'), ...E401, ...err(402, 'Not enough credits'), ...err(403, 'BYOK on the Free plan'), ...E404, ...err(422, 'No usable key and fallback off'), ...err(503, 'No model available, or the queue is down') },
    },
  }, async (request, reply) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    const b = request.body;
    const { runId: id } = await startRun(ctx, {
      prompt: b.prompt, tier: b.tier, imageCount: b.images, aspectRatio: b.aspect_ratio,
      choice: b.model ? { source: 'platform', platformModelId: b.model } : null,
    });
    return reply.code(202).send(runToWire(ctx.workspace.id, await getRun(ctx, { runId: id })));
  });

  app.get('/api/workspaces/:workspace_id/runs', {
    schema: {
      operationId: 'listRuns', tags: ['Runs'], summary: 'List the workspace’s runs, newest first',
      params: WsParams,
      querystring: z.object({ cursor: z.string().optional().describe('The previous page’s next_cursor'), limit: z.coerce.number().int().min(1).max(50).optional() }),
      response: { 200: ZRestRunList, ...err(400, 'Bad input, or a cursor that is not a run of this workspace'), ...E401, ...E404 },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    const cursor = request.query.cursor;
    if (cursor && !isId(cursor)) throw invalidCursor();
    const page = await listRunsPage(ctx, { cursor, limit: request.query.limit });
    return {
      data: page.items.map((r) => ({
        id: r.id, status: r.status as z.infer<typeof ZRestRun>['status'], prompt: r.prompt, created_at: r.createdAt.toISOString(), finished_at: r.finishedAt?.toISOString() ?? null,
        credential_kind: r.credentialSource, credits_used: r.creditsUsed, model: r.model, error_code: r.errorCode,
      })),
      next_cursor: page.nextCursor,
    };
  });

  app.get('/api/workspaces/:workspace_id/runs/:run_id', {
    schema: { operationId: 'getRun', tags: ['Runs'], summary: 'Read a run: status, steps, script, image URLs, credits', params: Params, response: { 200: ZRestRun, ...E401, ...E404 } },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    return runToWire(ctx.workspace.id, await getRun(ctx, { runId: runId(request.params.run_id) }));
  });

  app.post('/api/workspaces/:workspace_id/runs/:run_id/cancel', {
    schema: {
      operationId: 'cancelRun', tags: ['Runs'], summary: 'Cancel a run (the member who started it, or the owner)',
      description: 'A queued run is cancelled at once; a running one is stopped by its worker, wherever it runs, within moments (its finished event says so). Unused credits are returned. Cancelling a finished run changes nothing.',
      params: Params, response: { 200: ZRestRun, ...E401, ...E404 },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    const id = runId(request.params.run_id);
    await cancelRun(ctx, { runId: id });
    return runToWire(ctx.workspace.id, await getRun(ctx, { runId: id }));
  });

  app.get('/api/workspaces/:workspace_id/runs/:run_id/events', {
    config: { sessionAllowed: true },
    schema: {
      operationId: 'streamRunEvents', tags: ['Runs'], summary: 'A run’s events as Server-Sent Events',
      description: 'Each event has an `id:` (1, 2, …) and `data:` (its JSON: started, delta, notice, step, image, finished). Reconnect with `Last-Event-ID` to get the rest without repeats; the stream ends after `finished`. Also accepts the app’s session cookie. One user may hold SSE_MAX_PER_USER streams open per instance (default 20), one run SSE_MAX_PER_RUN (default 50): more get 429 with `Retry-After`.',
      params: Params, headers: z.object({ 'last-event-id': z.string().optional() }).loose(),
      response: { 200: z.string().describe('text/event-stream'), ...E401, ...E404, ...err(429, 'Too many event streams open for this user or run (Retry-After set)') },
    },
  }, async (request, reply) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    const id = runId(request.params.run_id);
    if (!(await isWorkspaceRun(ctx, id))) throw notFound('Run not found');
    const after = Number.parseInt(String(request.headers['last-event-id'] ?? '0'), 10);
    // Refused with 429 while still an ordinary reply; the place is given back however the stream ends.
    const slot = takeStreamSlot({ userId: ctx.actor.id, runId: id });
    try {
      await streamEvents(ctx.db, request, reply, id, Number.isSafeInteger(after) && after > 0 ? after : 0);
    } finally {
      slot.release();
    }
  });

  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runs', ['GET', 'POST']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runs/:run_id', ['GET']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runs/:run_id/cancel', ['POST']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runs/:run_id/events', ['GET']);
}

const openStreams = new Set<AbortController>();

async function streamEvents(db: Db, request: FastifyRequest, reply: FastifyReply, runId: string, afterSeq: number): Promise<void> {
  const controller = new AbortController();
  openStreams.add(controller);
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n\n');
  const stop = () => controller.abort();
  request.raw.on('close', stop);
  res.on('close', stop);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  keepalive.unref();
  try {
    for await (const e of followRunEvents(db, runId, afterSeq, controller.signal)) {
      res.write(`id: ${e.seq}\ndata: ${e.payload}\n\n`);
    }
  } catch (err) {
    request.log.warn({ err, runId }, 'run event stream failed');
  } finally {
    clearInterval(keepalive);
    openStreams.delete(controller);
    request.raw.off('close', stop);
    res.end();
  }
}
