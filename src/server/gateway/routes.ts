import 'server-only';
// The workspace AI gateway (issue 17): /api/gateway/{provider}/…, one base URL per provider speaking that
// provider's own wire protocol, so its official SDK works with nothing but the base URL and a runtime
// token where it would put its key. A lean path: the token is resolved from a cache, the key decrypted for
// this call only, the body passed upstream unchanged and the answer streamed back byte for byte. Managed
// calls reserve their maximum cost first and settle from the usage the provider reports. Every call is
// recorded (calls.ts). No tRPC, no AI SDK, no per-chunk parsing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GATEWAY_PROVIDERS, type GatewayProvider } from '~/lib/gateway';
import { ZModelId } from '~/lib/schemas/ids';
import { getDb } from '~/server/db';
import type { Db } from '~/server/db/connect';
import { serverEnv } from '~/server/env';
import { flushCalls, recordCall } from '~/server/gateway/calls';
import { platformPrice, type Price, resolveCredential } from '~/server/gateway/credentials';
import { asRefusal, GatewayRefusal, refusalResponse } from '~/server/gateway/errors';
import { DESCRIPTORS, findRoute, forwardedRequestHeaders, type Route } from '~/server/gateway/providers';
import { forward, type StreamTransform, stripInjectedUsage } from '~/server/gateway/proxy';
import { readUsage, type Usage } from '~/server/gateway/usage';
import { log } from '~/server/log';
import { release, reserve, settle } from '~/server/services/credits';
import { markKeyRejected } from '~/server/services/keys/writer';
import { maxTokensOf, textCredits } from '~/server/services/pricing';
import { decryptStoredKey, type StoredKey } from '~/server/vault/decrypt';
import { classifyHttpFailure } from '~/server/providers/classify';
import { safeJsonParse } from '~/server/providers/http';
import { fallbackAllowed, type KeyFailure, keyFailureOf } from '~/server/services/keys/selection';

// Chat bodies may carry images (base64): generous, but bounded.
export const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

function send(reply: FastifyReply, provider: GatewayProvider | null, refusal: GatewayRefusal): FastifyReply {
  const r = refusalResponse(provider, refusal);
  return reply.code(r.status).headers(r.headers).send(r.body);
}

/** The same, once the reply is ours (hijacked): written to the socket directly, or the socket closed if an answer had begun. */
function sendRaw(reply: FastifyReply, provider: GatewayProvider, refusal: GatewayRefusal, status?: number): void {
  if (reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  const r = refusalResponse(provider, refusal);
  reply.raw.writeHead(status ?? r.status, { ...(reply.getHeaders() as Record<string, string>), ...r.headers });
  reply.raw.end(r.body);
}

/** The most output a call may produce, as its body says, in each provider's own field. */
function maxOutputTokens(body: Record<string, unknown>): number | null {
  const config = body.generationConfig as Record<string, unknown> | undefined;
  for (const v of [body.max_completion_tokens, body.max_tokens, body.max_output_tokens, config?.maxOutputTokens]) {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  }
  return null;
}

function creditsFor(route: Route, price: Price, bodyBytes: number, maxOut: number | null): number {
  if (route.price === 'search') return Math.max(1, price.perCall);
  if (route.price === 'embedding') return textCredits({ in: price.in, out: 0 }, maxTokensOf(bodyBytes), 0);
  return textCredits(price, maxTokensOf(bodyBytes), maxOut ?? price.maxOutputTokens);
}

type Limiters = { token: RateLimiterMemory; address: RateLimiterMemory };
let limiters: Limiters | undefined;

async function takeLimits(tokenKey: string, address: string): Promise<void> {
  const env = serverEnv();
  limiters ??= {
    token: new RateLimiterMemory({ keyPrefix: 'gw-token', points: env.GATEWAY_TOKEN_RATE_LIMIT, duration: 60 }),
    address: new RateLimiterMemory({ keyPrefix: 'gw-ip', points: env.GATEWAY_ADDRESS_RATE_LIMIT, duration: 60 }),
  };
  try {
    await Promise.all([limiters.token.consume(tokenKey), limiters.address.consume(address)]);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    throw new GatewayRefusal('rate_limited', 'Too many calls with this runtime token or from this address. Slow down and retry.', 'rate_limited', e.msBeforeNext / 1000);
  }
}

// Calls being served, including what follows the answer (settling credits, recording the call): a server
// that stops waits for them, so a clean stop never leaves a reservation held or a call unrecorded.
const inFlight = new Set<Promise<unknown>>();

/** Waits for the calls in flight to finish, then writes their records (at shutdown). */
export async function drainGateway(db: Db): Promise<void> {
  await Promise.allSettled([...inFlight]);
  await flushCalls(db);
}

export async function gatewayRoutes(app: FastifyInstance) {
  // Bodies pass upstream as the caller sent them: bytes, whatever their type, within the limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GATEWAY_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'POST'],
    url: '/api/gateway/:provider/*',
    bodyLimit: GATEWAY_BODY_LIMIT,
    handler: async (request, reply) => {
      const started = performance.now();
      const params = request.params as { provider: string; '*': string };
      const provider = (GATEWAY_PROVIDERS as readonly string[]).includes(params.provider) ? (params.provider as GatewayProvider) : null;
      if (!provider) return send(reply, null, new GatewayRefusal('not_found', 'No such gateway provider.', 'unknown_provider'));
      const work = serve(request, reply, provider, params['*'], started);
      inFlight.add(work);
      const done = () => void inFlight.delete(work);
      work.then(done, done);
      try {
        return await work;
      } catch (e) {
        const refusal = asRefusal(e);
        if (refusal) return send(reply, provider, refusal);
        throw e;
      }
    },
  });
}

async function serve(request: FastifyRequest, reply: FastifyReply, provider: GatewayProvider, path: string, started: number) {
  const db = getDb();
  const d = DESCRIPTORS[provider];
  const rawQuery = request.raw.url?.split('?')[1] ?? '';
  const query = new URLSearchParams(rawQuery);
  if (query.has('key')) {
    throw new GatewayRefusal('bad_request', 'Send the token in its header, never in the URL (URLs end up in logs).', 'key_in_url');
  }
  for (const name of query.keys()) {
    if (!d.query.has(name)) throw new GatewayRefusal('bad_request', 'This query parameter is not accepted here.', 'unknown_parameter');
  }
  const found = findRoute(d, request.method, path);
  if (!found) throw new GatewayRefusal('not_found', 'The gateway does not serve this path.', 'unknown_path');
  const { route, match } = found;

  const presented = d.tokenFrom(request.headers);
  if (!presented) throw new GatewayRefusal('unauthorized', 'Send a runtime token where the SDK sends its key.', 'missing_token');
  await takeLimits(presented.slice(0, 24), request.ip);
  const credential = await resolveCredential(db, presented, provider);

  let body = request.body instanceof Buffer && request.body.length ? request.body : undefined;
  let json: Record<string, unknown> = {};
  if (body) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      throw new GatewayRefusal('bad_request', 'The body is not valid JSON.', 'invalid_json');
    }
  }
  const model = route.modelFromPath?.(match) ?? (typeof json.model === 'string' ? json.model : null);
  if (model !== null && !ZModelId.safeParse(model).success) throw new GatewayRefusal('bad_request', 'That is not a model id.', 'invalid_model');
  const stream = !!route.streamFromPath || json.stream === true;
  const bodyBytes = body?.length ?? 0;

  // The attempts: the workspace's keys in order (keys/selection.ts), then platform credits if the policy
  // lets them take over; or the platform's key alone. Only an error answer not yet passed on moves on.
  const policy = credential.workspace.fallbackPolicy;
  const attempts: Attempt[] = credential.source === 'byok'
    ? credential.keys.map((key) => ({ source: 'byok' as const, key }))
    : [{ source: credential.source, apiKey: credential.apiKey }];
  // Platform credits can take over only for a model on the platform's catalog (or a route that costs nothing).
  let fallbackKey: string | null = null;
  if (credential.source === 'byok' && credential.platformKey) {
    fallbackKey = !route.price || (await platformPrice(db, provider, route.price, model)) ? credential.platformKey : null;
  }

  // OpenAI reports streamed usage on request only: asked for when the caller did not, and taken out again
  // (xAI and Mistral always report it; Mistral refuses the option).
  let transform: (() => StreamTransform) | null = null;
  const streamOptions = json.stream_options as Record<string, unknown> | undefined;
  if (stream && route.usage === 'openai' && provider === 'openai' && streamOptions?.include_usage !== true) {
    body = Buffer.from(JSON.stringify({ ...json, stream_options: { ...streamOptions, include_usage: true } }));
    transform = stripInjectedUsage;
  }
  const upstream = new URL(d.baseUrl() + route.upstream(match));
  upstream.search = rawQuery;
  reply.hijack();
  try {
    await serveAttempts();
  } catch (err) {
    // Past the hijack Fastify can no longer answer for us: an unexpected failure still ends the call.
    log.error({ err, provider }, 'gateway call failed');
    sendRaw(reply, provider, asRefusal(err) ?? new GatewayRefusal('unavailable', 'The gateway could not complete this call. Nothing was charged; try again.', 'internal_error'));
  }

  async function serveAttempts(): Promise<void> {
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i]!;
      const last = () => i + 1 >= attempts.length && !fallbackKey;
      // Managed: the call's maximum cost is reserved before it starts, so it can never cost more.
      let price: Price | null = null;
      let reservation: { id: string; amount: number } | null = null;
      try {
        if (attempt.source !== 'byok' && route.price) {
          price = await platformPrice(db, provider, route.price, model);
          if (!price) throw new GatewayRefusal('not_found', 'This model is not available on platform credits. Pick one of the platform models.', 'model_unavailable');
          const amount = creditsFor(route, price, bodyBytes, maxOutputTokens(json));
          const r = await reserve(db, { workspaceId: credential.workspace.id, amount, purpose: `gateway ${provider} ${route.operation}`, tokenId: credential.token.id });
          reservation = { id: r.id, amount };
        }
      } catch (e) {
        // Nothing was sent yet: the refusal goes out in the provider's shape (the reply is already ours).
        const refusal = asRefusal(e);
        if (!refusal) throw e;
        sendRaw(reply, provider, refusal);
        return;
      }

      let failure: KeyFailure | null = null;
      try {
        const apiKey = attempt.source === 'byok' ? await keyFor(db, attempt.key, credential.token.createdById) : attempt.apiKey;
        if (apiKey === null) {
          // A key that cannot be read is passed over like a failing one: the next key, then the fallback policy.
          failure = 'key_unreadable';
          if (i + 1 >= attempts.length && fallbackKey && fallbackAllowed(policy, failure)) attempts.push({ source: 'managed_fallback', apiKey: fallbackKey });
          if (i + 1 < attempts.length) continue;
          sendRaw(reply, provider, new GatewayRefusal('unavailable', 'The workspace’s key can no longer be read. An owner should re-enter it under Settings → API Keys.', 'key_unreadable'));
          return;
        }
        const result = await forward({
          url: upstream,
          method: route.method,
          headers: { ...forwardedRequestHeaders(request.headers), ...d.keyHeaders(apiKey) },
          body,
          res: reply.raw,
          baseHeaders: reply.getHeaders() as Record<string, string | string[]>,
          secret: apiKey,
          started,
          transform: transform?.() ?? null,
          retry: attempt.source === 'byok' && !last()
            ? (status, text) => {
                failure = httpKeyFailure(provider, status, text);
                return failure !== null && (i + 1 < attempts.length || fallbackAllowed(policy, failure));
              }
            : undefined,
        });
        if (attempt.source === 'byok' && result.status === 401) keyRejected(db, credential.workspace.id, attempt.key.id);
        // An outage moves on only when the request never reached the provider: a dropped connection may come
        // after it took (and billed) the request, and sending it again could bill it twice.
        if (result.outcome === 'upstream_failed' && result.unsent && !reply.raw.headersSent && attempt.source === 'byok' && !last()) failure = 'provider_unavailable';
        if (result.outcome === 'retry' || (result.outcome === 'upstream_failed' && result.unsent && failure)) {
          if (i + 1 >= attempts.length && fallbackKey && failure && fallbackAllowed(policy, failure)) {
            attempts.push({ source: 'managed_fallback', apiKey: fallbackKey });
          }
          if (i + 1 < attempts.length) continue;
        }
        if (!reply.raw.headersSent) sendRaw(reply, provider, new GatewayRefusal('unavailable', `${provider} did not answer. Nothing was charged; try again.`, result.outcome), 502);
        const usage = result.outcome === 'ok' ? readUsage(route.usage, result.head, result.tail) : null;

        let credits = 0;
        if (reservation && price) {
          credits = await settleCall(db, credential.workspace.id, reservation, { route, price, usage, bodyBytes, ...result });
          reservation = null;
        }
        recordCall(db, {
          workspaceId: credential.workspace.id, tokenId: credential.token.id, provider, operation: route.operation, model,
          credentialSource: attempt.source, keyId: attempt.source === 'byok' ? attempt.key.id : null, fallbackPolicy: policy,
          status: reply.raw.statusCode, outcome: result.outcome, stream, inputTokens: usage?.inputTokens ?? null, outputTokens: usage?.outputTokens ?? null,
          credits, latencyMs: Math.round(performance.now() - started), firstByteMs: result.firstByteMs, bytesIn: bodyBytes, bytesOut: result.bytesOut,
        });
        return;
      } finally {
        if (reservation) await release(db, { workspaceId: credential.workspace.id, reservationId: reservation.id }).catch((err: unknown) => log.error({ err }, 'gateway reservation not released; the expiry sweep will'));
      }
    }
  }
}

type Attempt = { source: 'byok'; key: StoredKey } | { source: 'managed' | 'managed_fallback'; apiKey: string };

/** An upstream error answer as a failure of the key (limits, credit, rejection, outage), or null when it is the request's. */
function httpKeyFailure(provider: GatewayProvider, status: number, text: string): KeyFailure | null {
  if (provider === 'brave' || status < 400) return null;
  const c = classifyHttpFailure(provider, { status, headers: new Headers(), json: safeJsonParse(text), text });
  // An unrecognised 4xx is the request's (a bad body), not the key's: it goes back to the caller as is.
  if (c.outcome === 'provider_unavailable' && status < 500) return null;
  return keyFailureOf(c.outcome);
}

/** The workspace's key for this call, decrypted now (never cached). */
/** The key's plaintext, or null when it cannot be read (the vault has marked it for re-entry). */
async function keyFor(db: Db, key: StoredKey, actorId: string): Promise<string | null> {
  try {
    return await decryptStoredKey(db, key, actorId);
  } catch {
    return null;
  }
}

/**
 * What a managed call is charged: the catalog price of the usage the provider reported; with no report,
 * an upper bound from the bytes that passed (a stream cut short) — never more than was reserved, and
 * nothing when the provider refused before doing any work.
 */
async function settleCall(
  db: Db,
  workspaceId: string,
  reservation: { id: string; amount: number },
  c: { route: Route; price: Price; usage: Usage | null; bodyBytes: number; outcome: string; status: number; firstByteMs: number | null; bytesOut: number },
): Promise<number> {
  let actual: number;
  if (c.route.price === 'search') actual = c.outcome === 'ok' ? reservation.amount : 0;
  else if (c.usage) actual = textCredits(c.price, c.usage.inputTokens, c.route.price === 'embedding' ? 0 : c.usage.outputTokens);
  else if (c.outcome === 'ok' && c.route.price === 'embedding') actual = reservation.amount; // Gemini reports no embedding usage
  else if (c.firstByteMs !== null && c.status < 400) actual = Math.min(reservation.amount, textCredits(c.price, maxTokensOf(c.bodyBytes), c.bytesOut));
  else actual = 0;
  return (await settle(db, { workspaceId, reservationId: reservation.id, actual })).charged;
}

/** The provider rejected the workspace's key: shown as failing in API Keys (off the caller's path). */
function keyRejected(db: Db, workspaceId: string, keyId: string): void {
  markKeyRejected(db, { workspaceId, keyId }).catch((err: unknown) => log.warn({ err }, 'could not mark a rejected key as failing'));
}
