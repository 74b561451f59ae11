import 'server-only';
// The REST API (PRODUCT.md A, seed 001): routes over the same services as the tRPC routers. Each route's
// zod schemas validate its input, shape its output (a response schema is an allow-list of fields) and
// feed the OpenAPI document (src/server/http/routes/openapi.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AiConfig } from '~/lib/schemas/ai-config';
import type { RuntimeToken } from '~/lib/schemas/gateway';
import { isId } from '~/lib/schemas/ids';
import { ZCreditCap, ZRestUsageQuery, ZRestUsageReport, usageToWire } from '~/lib/schemas/usage';
import {
  ZRestAiConfig, ZRestAiConfigChange, ZRestAiDefaults, ZRestAiConfigInput, ZRestError, ZRestKey, ZRestKeyList, ZRestKeyOrder, ZRestKeyRotate, ZRestKeyUpdate,
  ZRestRuntimeTokenCreated, ZRestRuntimeTokenInput, ZRestRuntimeTokenList,
} from '~/lib/schemas/rest';
import { type KeyDto, ZKeyExpiry } from '~/lib/schemas/keys';
import * as keyOps from '~/server/services/keys/operations';
import { listKeys } from '~/server/services/keys/queries';
import type { Actor } from '~/server/actor';
import { getDb } from '~/server/db';
import { AppError, notFound } from '~/server/errors';
import { methodNotAllowed } from '~/server/http/routes/methods';
import { requireOwner } from '~/server/policy';
import { sessionActor, tokenActor } from '~/server/rest/auth';
import { RUN_OPERATIONS, runRoutes } from '~/server/rest/runs';
import { type LoggedFields, loggedBody } from '~/server/rest/log';
import { type AiConfigChange, getAiConfig, setAiConfig } from '~/server/services/ai-config';
import { platformDefault } from '~/server/services/catalog';
import { createRuntimeToken, listRuntimeTokens, revokeRuntimeToken } from '~/server/services/runtime-tokens';
import { setTokenCap } from '~/server/services/caps';
import { usageReport } from '~/server/services/usage';
import { getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';
import type { Ctx, WorkspaceCtx } from '~/server/services/context';
import { getForMember } from '~/server/services/workspaces';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A REST operation: authenticated by a personal access token, and logged one line per request. */
    rest?: boolean;
    /** The REST request log's allow-list for this route's body. */
    logFields?: LoggedFields;
    /** A GET the Studio also calls: without an Authorization header, the session cookie authenticates. */
    sessionAllowed?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The body as sent, before validation dropped unknown fields: the log counts those. */
    sentBody: unknown;
  }
}

export const REST_BODY_LIMIT = 16 * 1024;

function toWire(c: AiConfig) {
  return { mode: c.mode, provider: c.provider, model: c.model, has_api_key: c.hasApiKey, api_key_hint: c.apiKeyHint };
}

/** The defaults, with what they mean for a new workspace: it starts on Free, where a copied key waits for a paid plan. */
function defaultsToWire(c: AiConfig) {
  const waits = c.mode === 'byok' && c.hasApiKey;
  return {
    ...toWire(c),
    new_workspaces: waits
      ? 'New workspaces start on the Free plan: this key is probed and copied into them, but serves only once an operator moves the workspace to Pro or above (npm run admin -- set-plan); until then runs use platform credits.'
      : null,
  };
}

function changeToWire(c: AiConfigChange) {
  const removed = c.removedKey && { provider: c.removedKey.provider, label: c.removedKey.label, api_key_hint: c.removedKey.apiKeyHint };
  return { ...toWire(c), reverted_tiers: c.revertedTiers, removed_key: removed };
}

function tokenToWire(t: RuntimeToken) {
  return {
    id: t.id, label: t.label, prefix: t.prefix, providers: t.providers, key_label: t.keyLabel, created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt?.toISOString() ?? null, last_used_at: t.lastUsedAt?.toISOString() ?? null, revoked: t.revoked,
  };
}

function keyToWire(k: KeyDto) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: k.id, provider: k.provider, label: k.label, api_key_hint: k.maskedHint, status: k.status, paused: k.pausedAt !== null,
    paused_at: iso(k.pausedAt), position: k.position, expires_at: iso(k.expiresAt), last_outcome: k.lastOutcome, last_validated_at: iso(k.lastValidatedAt),
    last_used_at: iso(k.lastUsedAt), created_at: k.createdAt.toISOString(),
  };
}

function userCtx(request: { actor: Actor | null }): Ctx {
  return { db: getDb(), actor: request.actor! };
}

async function workspaceCtx(request: { actor: Actor | null }, workspaceId: string): Promise<WorkspaceCtx> {
  // Anything that is not an id of a workspace this user belongs to is simply not found.
  if (!isId(workspaceId)) throw notFound('Workspace not found');
  const ctx = userCtx(request);
  return { ...ctx, workspace: await getForMember(ctx, { workspaceId }) };
}

const errors = (...statuses: (400 | 401 | 403 | 404 | 409 | 422 | 429 | 503)[]) =>
  Object.fromEntries(statuses.map((s) => [s, ZRestError.describe(ERROR_DESCRIPTIONS[s])]));

const ERROR_DESCRIPTIONS = {
  400: 'Bad input (the message says which field)',
  401: 'Missing, unknown, revoked or expired token',
  403: 'Not the owner, or BYOK on the Free plan',
  404: 'No such workspace, or not yours',
  409: 'The request conflicts with the current state (e.g. an order that does not name each key once)',
  422: 'The provider rejected the key; `code` says why (invalid_key, permission_denied, no_credit, model_unavailable)',
  429: 'Too many key checks; try again in a minute',
  503: 'The provider or the key store is unavailable (a `Retry-After` header is set when known)',
} as const;

// The AI config bodies: mode, provider and model are logged, the key only as set or cleared.
const AI_CONFIG_LOG: LoggedFields = { plain: ['mode', 'provider', 'model'], secret: ['api_key'] };
const WorkspaceParams = z.object({ workspace_id: z.string().describe('The workspace id (Settings → Developers in the app)') });

/** The REST operations, by operationId: the authorization matrix and the OpenAPI test enumerate these. */
export const REST_OPERATIONS = {
  getWorkspaceAiConfig: { method: 'GET', url: '/api/workspaces/:workspace_id/ai-config' },
  putWorkspaceAiConfig: { method: 'PUT', url: '/api/workspaces/:workspace_id/ai-config' },
  getUserAiDefaults: { method: 'GET', url: '/api/users/me/ai-defaults' },
  putUserAiDefaults: { method: 'PUT', url: '/api/users/me/ai-defaults' },
  createRuntimeToken: { method: 'POST', url: '/api/workspaces/:workspace_id/runtime-tokens' },
  listRuntimeTokens: { method: 'GET', url: '/api/workspaces/:workspace_id/runtime-tokens' },
  revokeRuntimeToken: { method: 'DELETE', url: '/api/workspaces/:workspace_id/runtime-tokens/:token_id' },
  ...RUN_OPERATIONS,
  listKeys: { method: 'GET', url: '/api/workspaces/:workspace_id/keys' },
  updateKey: { method: 'PATCH', url: '/api/workspaces/:workspace_id/keys/:key_id' },
  orderKeys: { method: 'PUT', url: '/api/workspaces/:workspace_id/keys/order' },
  rotateKey: { method: 'POST', url: '/api/workspaces/:workspace_id/keys/:key_id/rotate' },
  getWorkspaceUsage: { method: 'GET', url: '/api/workspaces/:workspace_id/usage' },
  setRuntimeTokenCap: { method: 'PUT', url: '/api/workspaces/:workspace_id/runtime-tokens/:token_id/monthly-credit-cap' },
} as const;

export async function restRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // JSON only: any other body is refused with a clear 400, before the route runs.
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(new AppError('BAD_REQUEST', 'Send a JSON body with Content-Type: application/json.', 'invalid_content_type'), undefined);
  });
  app.decorateRequest('actor', null);
  app.decorateRequest('sentBody', undefined);
  app.addHook('onRoute', (route) => {
    route.bodyLimit = REST_BODY_LIMIT;
    if (route.schema?.operationId) route.config = { ...route.config, rest: true };
  });
  // Before the body is read: a request without a valid token costs no parsing.
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config.rest) request.actor = config.sessionAllowed && !request.headers.authorization ? await sessionActor(request) : await tokenActor(request);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    request.sentBody = request.body;
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (!request.routeOptions.config.rest) return done();
    const fields = request.routeOptions.config.logFields;
    request.log.info(
      {
        method: request.method,
        path: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        body: fields && request.method !== 'GET' ? loggedBody(request.sentBody, fields) : undefined,
      },
      'rest request',
    );
    done();
  });

  app.get('/api/workspaces/:workspace_id/ai-config', {
    schema: {
      operationId: 'getWorkspaceAiConfig', tags: ['AI config'], summary: 'Read the workspace AI config',
      params: WorkspaceParams, response: { 200: ZRestAiConfig, ...errors(401, 404) },
    },
  }, async (request) => {
    return toWire(await getAiConfig(await workspaceCtx(request, request.params.workspace_id)));
  });

  app.put('/api/workspaces/:workspace_id/ai-config', {
    config: { logFields: AI_CONFIG_LOG },
    schema: {
      operationId: 'putWorkspaceAiConfig', tags: ['AI config'], summary: 'Set the workspace AI config (owner only)',
      description:
        'One write. byok with api_key probes the key, stores it as the provider’s primary key and points the Standard tier at (provider, model) through it; api_key null removes that key without changing the mode; managed removes the key the config was using (whatever its provider) and uses platform credits. A removed key is removed as in the app: every tier that used it reverts to its platform default (reverted_tiers), and removed_key names it.',
      params: WorkspaceParams, body: ZRestAiConfigInput, response: { 200: ZRestAiConfigChange, ...errors(400, 401, 403, 404, 422, 429, 503) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    requireOwner(ctx.workspace, 'change its AI config');
    const body = request.body;
    return changeToWire(await setAiConfig(ctx, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
  });

  app.get('/api/users/me/ai-defaults', {
    schema: {
      operationId: 'getUserAiDefaults', tags: ['AI defaults'], summary: 'Read your defaults for new workspaces',
      response: { 200: ZRestAiDefaults, ...errors(401) },
    },
  }, async (request) => {
    const d = await getUserAiDefaults(userCtx(request));
    if (d) return defaultsToWire(d);
    // No defaults yet: new workspaces start on the platform's Standard model.
    const std = await platformDefault(getDb(), 'standard');
    return defaultsToWire({ mode: 'managed', provider: std.provider, model: std.modelId, hasApiKey: false, apiKeyHint: null });
  });

  app.put('/api/users/me/ai-defaults', {
    config: { logFields: AI_CONFIG_LOG },
    schema: {
      operationId: 'putUserAiDefaults', tags: ['AI defaults'], summary: 'Set your defaults for workspaces you create from now on',
      body: ZRestAiConfigInput, response: { 200: ZRestAiDefaults, ...errors(400, 401, 403, 422, 429, 503) },
    },
  }, async (request) => {
    const body = request.body;
    return defaultsToWire(await setUserAiDefaults(userCtx(request), { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
  });

  // ---- runtime tokens (issue 17) ----

  app.post('/api/workspaces/:workspace_id/runtime-tokens', {
    config: { logFields: { plain: ['label', 'expires_in_days', 'providers', 'key_label'], secret: [] } },
    schema: {
      operationId: 'createRuntimeToken', tags: ['Runtime tokens'], summary: 'Create a runtime token for the gateway (owner only)',
      description: 'The token is in this answer only. Put it where the provider’s SDK reads its key, with the gateway’s base URL (see the README’s gateway quick start).',
      params: WorkspaceParams, body: ZRestRuntimeTokenInput, response: { 201: ZRestRuntimeTokenCreated, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const b = request.body;
    const { token, info } = await createRuntimeToken(await workspaceCtx(request, request.params.workspace_id), { label: b.label, expiresInDays: b.expires_in_days, providers: b.providers, keyLabel: b.key_label });
    return reply.code(201).send({ ...tokenToWire(info), token });
  });

  app.get('/api/workspaces/:workspace_id/runtime-tokens', {
    schema: {
      operationId: 'listRuntimeTokens', tags: ['Runtime tokens'], summary: 'List the runtime tokens (owner only; never the tokens themselves)',
      params: WorkspaceParams, response: { 200: ZRestRuntimeTokenList, ...errors(401, 403, 404) },
    },
  }, async (request) => {
    return { data: (await listRuntimeTokens(await workspaceCtx(request, request.params.workspace_id))).map(tokenToWire) };
  });

  app.delete('/api/workspaces/:workspace_id/runtime-tokens/:token_id', {
    schema: {
      operationId: 'revokeRuntimeToken', tags: ['Runtime tokens'], summary: 'Revoke a runtime token at once (owner only)',
      params: WorkspaceParams.extend({ token_id: z.string() }), response: { 204: z.undefined().describe('Revoked'), ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    if (!isId(request.params.token_id)) throw notFound('Runtime token not found');
    await revokeRuntimeToken(ctx, { tokenId: request.params.token_id });
    return reply.code(204).send();
  });

  runRoutes(fastify, workspaceCtx);

  // ---- provider keys (issue 19): the masked list, pause/resume, failover order ----

  app.get('/api/workspaces/:workspace_id/keys', {
    schema: {
      operationId: 'listKeys', tags: ['Keys'], summary: 'List the workspace’s provider keys (masked; never the keys themselves)',
      params: WorkspaceParams, response: { 200: ZRestKeyList, ...errors(401, 404) },
    },
  }, async (request) => {
    return { data: (await listKeys(await workspaceCtx(request, request.params.workspace_id))).map(keyToWire) };
  });

  app.patch('/api/workspaces/:workspace_id/keys/:key_id', {
    config: { logFields: { plain: ['paused', 'expires_at'], secret: [] } },
    schema: {
      operationId: 'updateKey', tags: ['Keys'], summary: 'Pause or resume a key, or note its expiry date (owner only, paid plans)',
      description: 'A paused key serves nothing: Content Studio runs and gateway calls treat it as missing and follow the workspace’s fallback policy. The change applies to the next call on every instance.',
      params: WorkspaceParams.extend({ key_id: z.string() }), body: ZRestKeyUpdate, response: { 200: ZRestKey, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    if (!isId(request.params.key_id)) throw notFound('Key not found');
    const { paused, expires_at: expiresAt } = request.body;
    const keyId = request.params.key_id;
    if (expiresAt !== undefined) {
      const date = expiresAt === null ? null : ZKeyExpiry.safeParse(new Date(expiresAt));
      if (date && !date.success) throw new AppError('BAD_REQUEST', date.error.issues[0]?.message ?? 'Invalid expiry date', 'invalid_expiry');
      await keyOps.setKeyExpiryDate(ctx, { keyId, expiresAt: date ? date.data : null });
    }
    const key = paused === undefined ? await keyOps.keyFor(ctx, { keyId }) : await keyOps.setKeyPausedState(ctx, { keyId, paused });
    return keyToWire(key);
  });

  app.put('/api/workspaces/:workspace_id/keys/order', {
    config: { logFields: { plain: ['provider'], secret: [] } },
    schema: {
      operationId: 'orderKeys', tags: ['Keys'], summary: 'Set the failover order of a provider’s keys (owner only, paid plans)',
      description: 'On a rate limit, missing credit or an outage the next key in this order is tried, before any fallback to platform credits.',
      params: WorkspaceParams, body: ZRestKeyOrder, response: { 200: ZRestKeyList, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    await keyOps.orderKeys(ctx, { provider: request.body.provider, keyIds: request.body.key_ids });
    return { data: (await listKeys(ctx)).filter((k) => k.provider === request.body.provider).map(keyToWire) };
  });

  app.post('/api/workspaces/:workspace_id/keys/:key_id/rotate', {
    config: { logFields: { plain: [], secret: ['api_key'] } },
    schema: {
      operationId: 'rotateKey', tags: ['Keys'], summary: 'Rotate a key without downtime (owner only, paid plans)',
      description: 'The new value is probed first; then it replaces the old one under the same id and label in one step. Calls in flight finish on the old value; the next call uses the new one. Revoke the old key at the provider afterwards.',
      params: WorkspaceParams.extend({ key_id: z.string() }), body: ZRestKeyRotate, response: { 200: ZRestKey, ...errors(400, 401, 403, 404, 422, 429, 503) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    if (!isId(request.params.key_id)) throw notFound('Key not found');
    return keyToWire((await keyOps.rotateKey(ctx, { keyId: request.params.key_id, apiKey: request.body.api_key })).key);
  });

  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/keys/:key_id/rotate', ['POST']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/keys', ['GET']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/keys/order', ['PUT']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/keys/:key_id', ['PATCH']);
  // ---- usage (issue 19) ----

  app.get('/api/workspaces/:workspace_id/usage', {
    schema: {
      operationId: 'getWorkspaceUsage', tags: ['Usage'], summary: 'Usage per day or month, by source, token, key, member, model or credential',
      description:
        'Gateway calls and Content Studio runs between two UTC days (both included, at most a year): calls, runs, tokens in and out, credits, and an estimated provider cost of your-key usage from list prices (an estimate, not a bill). Owners see all of the workspace’s usage; members see their own Content Studio runs.',
      params: WorkspaceParams, querystring: ZRestUsageQuery, response: { 200: ZRestUsageReport, ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    const q = request.query;
    return usageToWire(await usageReport(ctx, { from: q.from, to: q.to, interval: q.interval, groupBy: q.group_by }));
  });

  app.put('/api/workspaces/:workspace_id/runtime-tokens/:token_id/monthly-credit-cap', {
    config: { logFields: { plain: ['monthly_credit_cap'], secret: [] } },
    schema: {
      operationId: 'setRuntimeTokenCap', tags: ['Runtime tokens'], summary: 'Set or lift a runtime token’s monthly credit cap (owner only)',
      description: 'Managed gateway calls through the token are refused with cap_reached (402) once its reservations this calendar month (UTC) would pass the cap.',
      params: WorkspaceParams.extend({ token_id: z.string() }),
      body: z.object({ monthly_credit_cap: ZCreditCap }).meta({ id: 'RuntimeTokenCap' }),
      response: { 200: z.object({ token_id: z.string(), monthly_credit_cap: ZCreditCap }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const ctx = await workspaceCtx(request, request.params.workspace_id);
    await setTokenCap(ctx, { tokenId: request.params.token_id, monthlyCreditCap: request.body.monthly_credit_cap });
    return { token_id: request.params.token_id, monthly_credit_cap: request.body.monthly_credit_cap };
  });

  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runtime-tokens/:token_id/monthly-credit-cap', ['PUT']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/usage', ['GET']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runtime-tokens', ['GET', 'POST']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/runtime-tokens/:token_id', ['DELETE']);
  methodNotAllowed(fastify, '/api/workspaces/:workspace_id/ai-config', ['GET', 'PUT']);
  methodNotAllowed(fastify, '/api/users/me/ai-defaults', ['GET', 'PUT']);
}
