// A local stand-in for the five AI providers, speaking their real wire protocols on loopback:
// list models (paginated where the real one is), text generation with and without SSE streaming,
// the image endpoints, and each provider's real error bodies. The key picks the behaviour
// (scenarios.ts); latency knobs serve fault tests and benchmarks. Used by tests, `npm run demo`
// and `npm run fake-providers`.
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ANTHROPIC_MODELS,
  GOOGLE_MODELS,
  MISTRAL_MODELS,
  OPENAI_MODELS,
  TINY_PNG_BASE64,
  XAI_MODELS,
} from './catalog';
import { type Scenario, scenarioFor } from './scenarios';

// The five key providers, and Brave Search (the platform's web search for the gateway's managed mode).
export type ProviderId = 'anthropic' | 'openai' | 'google' | 'xai' | 'mistral' | 'brave';

export const PREFIXES: Record<ProviderId, string> = {
  anthropic: '/anthropic/v1',
  openai: '/openai/v1',
  google: '/gemini/v1beta',
  xai: '/xai/v1',
  mistral: '/mistral/v1',
  brave: '/brave',
};

export type Latency = { firstByteMs: number; chunkIntervalMs: number; chunks: number };

export type RecordedRequest = {
  provider: ProviderId;
  method: string;
  path: string;
  /** Which auth header carried a key (never the key itself). */
  authHeader: 'x-api-key' | 'authorization' | 'x-goog-api-key' | 'x-subscription-token' | null;
  /** sha256 of the key, first 16 hex characters: lets tests tell keys apart without storing them. */
  keyFingerprint: string | null;
  keyInUrl: boolean;
  model: string | null;
  stream: boolean;
  at: number;
  /** The client closed the connection before the response ended (a cancelled call). */
  clientAborted: boolean;
  /** Milliseconds from the request's arrival to the end of the response. */
  durationMs: number | null;
  /** The names of the headers it came with (never their values). */
  headerNames: string[];
  /** sha256 of the raw body, first 16 hex characters (null without one): shows a body arrived unchanged. */
  bodyFingerprint: string | null;
};

export type FakeProviders = {
  url: string;
  port: number;
  baseUrls: Record<ProviderId, string>;
  requests: RecordedRequest[];
  latency: Latency;
  clear(): void;
  close(): Promise<void>;
};

export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

type Ctx = {
  provider: ProviderId;
  req: IncomingMessage;
  res: ServerResponse;
  route: string; // path below the provider prefix, e.g. /models
  query: URLSearchParams;
  body: Record<string, unknown>;
  key: string;
  scenario: Scenario;
  latency: Latency;
  /** Where a `-redirect` key is sent (set per key through /__fake/redirect; a dead host by default). */
  redirectTo?: string;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function maskEcho(key: string) {
  return `${key.slice(0, 8)}****${key.slice(-4)}`;
}

// ---------- error bodies, per provider (reference/providers.md §3.4, §4.4, §5.4, §6.4, §7.4) ----------

type ErrorKind = 'invalid' | 'noperm' | 'nocredit' | 'ratelimit' | 'down' | 'modelgone' | 'missing';

function providerError(ctx: Ctx, kind: ErrorKind, model?: string) {
  const { res, key } = ctx;
  const reqId = `req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  switch (ctx.provider) {
    case 'anthropic': {
      const h = { 'request-id': reqId };
      const e = (status: number, type: string, message: string, extra: Record<string, string> = {}) =>
        send(res, status, { type: 'error', error: { type, message }, request_id: reqId }, { ...h, ...extra });
      if (kind === 'invalid' || kind === 'missing') return e(401, 'authentication_error', 'invalid x-api-key');
      if (kind === 'noperm') return e(403, 'permission_error', 'Your API key does not have permission to use the specified resource.');
      if (kind === 'nocredit')
        return e(400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.');
      if (kind === 'ratelimit')
        return e(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
          'retry-after': '7',
          'anthropic-ratelimit-requests-remaining': '0',
        });
      if (kind === 'down') return e(529, 'overloaded_error', 'Overloaded');
      return e(404, 'not_found_error', `model: ${model ?? 'unknown'}`);
    }
    case 'openai': {
      const e = (status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}) =>
        send(res, status, { error: { message, type, param: null, code } }, { 'x-request-id': reqId, ...headers });
      if (kind === 'missing')
        return e(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.", 'invalid_request_error', null);
      if (kind === 'invalid')
        return e(401, `Incorrect API key provided: ${maskEcho(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
      if (kind === 'noperm')
        return e(401, 'You have insufficient permissions for this operation. Missing scopes: model.request. Check that you have the correct role in your organization.', 'invalid_request_error', null);
      if (kind === 'nocredit')
        return e(429, 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.', 'insufficient_quota', 'insufficient_quota');
      if (kind === 'ratelimit')
        return e(429, 'Rate limit reached for gpt-4.1 in organization org-fake on tokens per min (TPM): Limit 30000, Used 29500, Requested 900. Please try again in 1.5s.', 'tokens', 'rate_limit_exceeded', {
          'retry-after-ms': '1500',
          'retry-after': '2',
          'x-ratelimit-limit-tokens': '30000',
          'x-ratelimit-remaining-tokens': '0',
          'x-ratelimit-reset-tokens': '1.5s',
        });
      if (kind === 'down') return e(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null);
      return e(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }
    case 'google': {
      const e = (code: number, status: string, message: string, details: unknown[] = []) =>
        send(res, code, { error: { code, message, status, details } });
      if (kind === 'invalid' || kind === 'missing')
        return e(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
          { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
        ]);
      if (kind === 'noperm')
        return e(403, 'PERMISSION_DENIED', 'Generative Language API has not been used in project 000000000000 before or it is disabled.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com' },
        ]);
      const quota = (quotaId: string, delay: string) => [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId, quotaDimensions: { model: model ?? 'gemini-2.5-flash-lite', location: 'global' }, quotaValue: '20' }] },
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
      ];
      if (kind === 'nocredit')
        return e(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', quota('GenerateRequestsPerDayPerProjectPerModel-FreeTier', '34.4s'));
      if (kind === 'ratelimit')
        return e(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', quota('GenerateRequestsPerMinutePerProjectPerModel-FreeTier', '12s'));
      if (kind === 'down') return e(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
      return e(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`);
    }
    case 'xai': {
      if (kind === 'missing') return send(res, 401, { code: 'Unauthenticated', error: 'No API key provided.' });
      if (kind === 'invalid')
        return send(res, 400, { code: 'Client specified an invalid argument', error: `Incorrect API key provided: ${key.slice(0, 2)}***${key.slice(-2)}. You can obtain an API key from https://console.x.ai.` });
      if (kind === 'noperm')
        return send(res, 403, { error: { message: 'The API key does not have permission to access this model or endpoint.', type: 'permission_error', param: null, code: 'permission_denied' } });
      if (kind === 'nocredit')
        return send(res, 429, { code: 'Too many requests', error: `Your team ${randomUUID()} has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.` });
      if (kind === 'ratelimit') return send(res, 429, { error: 'Rate limit exceeded. Please slow down your requests.' }, { 'retry-after': '3' });
      if (kind === 'down') return send(res, 500, '"Internal server error"');
      return send(res, 404, { code: 'Some requested entity was not found', error: `The model ${model} does not exist or your team does not have access to it.` });
    }
    case 'brave': {
      const e = (status: number, code: string, detail: string, headers: Record<string, string> = {}) =>
        send(res, status, { type: 'ErrorResponse', error: { id: randomUUID(), status, code, detail, meta: {} } }, headers);
      if (kind === 'invalid' || kind === 'missing') return e(401, 'SUBSCRIPTION_TOKEN_INVALID', 'The provided subscription token is invalid.');
      if (kind === 'ratelimit') return e(429, 'RATE_LIMITED', 'Request rate limit exceeded for plan.', { 'retry-after': '1', 'x-ratelimit-remaining': '0' });
      if (kind === 'nocredit') return e(402, 'QUOTA_LIMITED', 'Monthly quota exhausted.');
      if (kind === 'noperm') return e(403, 'OPTION_NOT_IN_PLAN', 'This option is not in your plan.');
      return e(kind === 'down' ? 503 : 404, kind === 'down' ? 'UNAVAILABLE' : 'NOT_FOUND', kind === 'down' ? 'Service unavailable.' : 'Not found.');
    }
    case 'mistral': {
      if (kind === 'invalid' || kind === 'missing') return send(res, 401, { detail: 'Unauthorized' });
      const e = (status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}) =>
        send(res, status, { object: 'error', message, type, param: null, code }, headers);
      if (kind === 'noperm') return e(403, 'You do not have access to this resource.', 'forbidden', null);
      if (kind === 'nocredit') return e(429, 'You have reached your monthly usage limit. Upgrade your plan or add billing details to continue.', 'invalid_request_error', '3505');
      if (kind === 'ratelimit') return e(429, 'Rate limit exceeded', 'rate_limited', '1300', { 'ratelimitbysize-reset': '5', 'ratelimitbysize-remaining': '0' });
      if (kind === 'down') return e(503, 'Service tier capacity exceeded for this model.', 'invalid_request_error', null);
      return e(404, `Invalid model: ${model}`, 'invalid_model', '1500');
    }
  }
}

// ---------- text generation ----------

function replyWords(prompt: string, chunks: number): string[] {
  const topic = prompt.replace(/\s+/g, ' ').trim().slice(0, 60) || 'your idea';
  const base = [`Scene`, ` one:`, ` a`, ` short`, ` script`, ` about`, ` "${topic}".`, ` The`, ` narrator`, ` smiles`, ` and`, ` begins.`];
  const out: string[] = [];
  for (let i = 0; i < chunks; i++) out.push(base[i % base.length]!);
  return out;
}

function promptText(ctx: Ctx): string {
  const b = ctx.body;
  if (Array.isArray(b.messages)) {
    return (b.messages as { role?: string; content?: unknown }[])
      .filter((m) => m.role !== 'system')
      .map((m) =>
        typeof m.content === 'string'
          ? m.content
          : Array.isArray(m.content)
            ? (m.content as { text?: unknown }[]).map((part) => (typeof part.text === 'string' ? part.text : '')).join(' ')
            : '',
      )
      .join('\n');
  }
  if (Array.isArray(b.contents)) {
    return (b.contents as { parts?: { text?: unknown }[] }[])
      .flatMap((c) => c.parts ?? [])
      .map((part) => (typeof part.text === 'string' ? part.text : ''))
      .join(' ');
  }
  return '';
}

function maxTokens(ctx: Ctx): number | null {
  const b = ctx.body;
  const gc = b.generationConfig as { maxOutputTokens?: number } | undefined;
  const v = b.max_tokens ?? b.max_completion_tokens ?? gc?.maxOutputTokens;
  return typeof v === 'number' ? v : null;
}

async function streamFaults(ctx: Ctx, index: number, writeError: () => void): Promise<'stop' | 'continue'> {
  if (ctx.scenario === 'midstream' && index === 2) {
    writeError();
    ctx.res.end();
    return 'stop';
  }
  if (ctx.scenario === 'cut' && index === 2) {
    // After the client has had the two deltas: data and reset arriving together can error the client's
    // body stream before it reads the data (queued chunks are dropped), which would be a different test.
    await new Promise((r) => setTimeout(r, 50));
    ctx.res.socket?.destroy();
    return 'stop';
  }
  if (ctx.scenario === 'stall' && index === 1) return 'stop'; // never ends; the client must time out
  if (ctx.scenario === 'endless' && index === 1) {
    // One event that never ends: a client must stop holding it before it holds the whole stream.
    const pad = 'x'.repeat(64 * 1024);
    if (!ctx.res.write('data: {"pad":"')) await once(ctx.res, 'drain');
    for (let sent = 0; sent < 4 * 1024 * 1024 && !ctx.res.destroyed; sent += pad.length) {
      if (!ctx.res.write(pad)) await Promise.race([once(ctx.res, 'drain'), once(ctx.res, 'close')]);
    }
    return 'stop';
  }
  return 'continue';
}

function sseHeaders(res: ServerResponse, extra: Record<string, string> = {}) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...extra });
}

/**
 * Roughly what real tokenizers count: about four characters of English per token, about one token per
 * character of Chinese, Japanese or Korean (and other non-Latin text), so billing can be tested honestly.
 */
export function countTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) ascii++;
    else other++;
  }
  return Math.max(1, Math.ceil(ascii / 4) + other);
}

function plan(ctx: Ctx) {
  const cap = maxTokens(ctx);
  const n = cap === null ? ctx.latency.chunks : Math.max(1, Math.min(cap, ctx.latency.chunks));
  const words = replyWords(promptText(ctx), n);
  const inputTokens = countTokens(promptText(ctx));
  const finish = cap !== null && cap <= words.length ? 'length' : 'stop';
  return { words, inputTokens, outputTokens: words.length, finish };
}

async function anthropicMessages(ctx: Ctx) {
  const model = String(ctx.body.model ?? '');
  const p = plan(ctx);
  const id = `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const stop = p.finish === 'length' ? 'max_tokens' : 'end_turn';
  const headers = { 'request-id': `req_${id.slice(4)}` };
  if (!ctx.body.stream) {
    return send(ctx.res, 200, {
      id, type: 'message', role: 'assistant', model,
      content: [{ type: 'text', text: p.words.join('') }],
      stop_reason: stop, stop_sequence: null,
      usage: { input_tokens: p.inputTokens, output_tokens: p.outputTokens },
    }, headers);
  }
  sseHeaders(ctx.res, headers);
  const ev = (name: string, data: unknown) => ctx.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  ev('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: p.inputTokens, output_tokens: 1 } } });
  ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  ev('ping', { type: 'ping' });
  for (let i = 0; i < p.words.length; i++) {
    const f = await streamFaults(ctx, i, () => ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    if (f === 'stop') return;
    if (i > 0) await sleep(ctx.latency.chunkIntervalMs);
    ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p.words[i] } });
  }
  ev('content_block_stop', { type: 'content_block_stop', index: 0 });
  ev('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: p.outputTokens } });
  ev('message_stop', { type: 'message_stop' });
  ctx.res.end();
}

const REASONING = /^(o\d|gpt-5)/;

async function chatCompletions(ctx: Ctx) {
  const model = String(ctx.body.model ?? '');
  if (ctx.provider === 'openai' && REASONING.test(model) && ctx.body.max_tokens !== undefined) {
    return send(ctx.res, 400, { error: { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } });
  }
  if (ctx.provider === 'mistral' && ctx.body.stream_options !== undefined) {
    return send(ctx.res, 422, { object: 'error', message: 'Extra inputs are not permitted: stream_options', type: 'invalid_request_error', param: null, code: null });
  }
  const p = plan(ctx);
  const id = ctx.provider === 'openai' ? `chatcmpl-${randomUUID().slice(0, 12)}` : randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: p.inputTokens, completion_tokens: p.outputTokens, total_tokens: p.inputTokens + p.outputTokens };
  // What OpenAI sends besides: headers naming the key owner's organization and project, and a cookie.
  const ownerHeaders: Record<string, string> = ctx.provider === 'openai'
    ? { 'openai-organization': 'org-fake-key-owner', 'openai-project': 'proj_fake_owner', 'set-cookie': '__cf_bm=fake; path=/; HttpOnly', 'x-request-id': `req_${id.slice(-12)}` }
    : {};
  if (!ctx.body.stream) {
    return send(ctx.res, 200, {
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: p.words.join(''), refusal: null }, logprobs: null, finish_reason: p.finish }],
      usage,
    }, ownerHeaders);
  }
  sseHeaders(ctx.res, ownerHeaders);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    ctx.res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  const includeUsage = ctx.provider === 'xai' || (ctx.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  // With include_usage, OpenAI puts `"usage": null` on every chunk before the final usage chunk.
  const nullUsage = ctx.provider === 'openai' && includeUsage ? { usage: null } : {};
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], nullUsage);
  for (let i = 0; i < p.words.length; i++) {
    const f = await streamFaults(ctx, i, () =>
      ctx.res.write(`data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`),
    );
    if (f === 'stop') return;
    if (i > 0) await sleep(ctx.latency.chunkIntervalMs);
    chunk([{ index: 0, delta: { content: p.words[i] }, logprobs: null, finish_reason: null }], nullUsage);
  }
  if (ctx.provider === 'mistral') {
    chunk([{ index: 0, delta: { content: '' }, finish_reason: p.finish, logprobs: null }], { usage });
  } else {
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: p.finish }], nullUsage);
    if (includeUsage) chunk([], { usage });
  }
  ctx.res.write('data: [DONE]\n\n');
  ctx.res.end();
}

async function googleGenerate(ctx: Ctx, model: string, stream: boolean) {
  const gc = (ctx.body.generationConfig ?? {}) as { responseModalities?: string[] };
  if (gc.responseModalities?.includes('IMAGE')) {
    if (!model.includes('image')) {
      return send(ctx.res, 400, { error: { code: 400, message: 'Model does not support the requested response modalities: image', status: 'INVALID_ARGUMENT' } });
    }
    return send(ctx.res, 200, {
      candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: TINY_PNG_BASE64 } }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1290, totalTokenCount: 1302 },
      modelVersion: model,
      responseId: randomUUID(),
    });
  }
  const p = plan(ctx);
  const finishReason = p.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
  const responseId = randomUUID().slice(0, 20);
  if (!stream) {
    return send(ctx.res, 200, {
      candidates: [{ content: { parts: [{ text: p.words.join('') }], role: 'model' }, finishReason, index: 0 }],
      usageMetadata: { promptTokenCount: p.inputTokens, candidatesTokenCount: p.outputTokens, totalTokenCount: p.inputTokens + p.outputTokens },
      modelVersion: model,
      responseId,
    });
  }
  sseHeaders(ctx.res);
  for (let i = 0; i < p.words.length; i++) {
    const f = await streamFaults(ctx, i, () =>
      ctx.res.write(`data: ${JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } })}\r\n\r\n`),
    );
    if (f === 'stop') return;
    if (i > 0) await sleep(ctx.latency.chunkIntervalMs);
    const last = i === p.words.length - 1;
    ctx.res.write(
      `data: ${JSON.stringify({
        candidates: [{ content: { parts: [{ text: p.words[i] }], role: 'model' }, ...(last ? { finishReason } : {}), index: 0 }],
        usageMetadata: { promptTokenCount: p.inputTokens, candidatesTokenCount: i + 1, totalTokenCount: p.inputTokens + i + 1 },
        modelVersion: model,
        responseId,
      })}\r\n\r\n`,
    );
  }
  ctx.res.end(); // Gemini streams have no terminator
}

/** OpenAI's Responses API, whole or as its typed SSE events (`event:` + `data:`), usage in response.completed. */
async function openaiResponses(ctx: Ctx) {
  const model = String(ctx.body.model ?? '');
  if (!OPENAI_MODELS.some((m) => m.id === model)) return providerError(ctx, 'modelgone', model);
  const input = ctx.body.input;
  const text = typeof input === 'string' ? input : promptText({ ...ctx, body: { messages: Array.isArray(input) ? input : [] } });
  const p = plan({ ...ctx, body: { ...ctx.body, max_tokens: ctx.body.max_output_tokens, messages: [{ role: 'user', content: text }] } });
  const id = `resp_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const msgId = `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const created_at = Math.floor(Date.now() / 1000);
  const usage = { input_tokens: p.inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: p.outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: p.inputTokens + p.outputTokens };
  const message = (t: string) => ({ id: msgId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: t, annotations: [] }] });
  const response = (status: string, output: unknown[], u: unknown) => ({ id, object: 'response', created_at, status, model, output, usage: u, error: null, incomplete_details: null });
  if (!ctx.body.stream) return send(ctx.res, 200, response('completed', [message(p.words.join(''))], usage));
  sseHeaders(ctx.res);
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => ctx.res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  ev('response.created', { response: response('in_progress', [], null) });
  ev('response.output_item.added', { output_index: 0, item: { id: msgId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
  for (let i = 0; i < p.words.length; i++) {
    if (i > 0) await sleep(ctx.latency.chunkIntervalMs);
    ev('response.output_text.delta', { item_id: msgId, output_index: 0, content_index: 0, delta: p.words[i] });
  }
  ev('response.output_text.done', { item_id: msgId, output_index: 0, content_index: 0, text: p.words.join('') });
  ev('response.completed', { response: response('completed', [message(p.words.join(''))], usage) });
  ctx.res.end();
}

function vector(text: string, dims = 8): number[] {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => (h[i]! - 128) / 128);
}

function embeddingInputs(input: unknown): string[] {
  return (Array.isArray(input) ? input : [input]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** OpenAI's and Mistral's embeddings (the same shape). */
function embeddings(ctx: Ctx, models: { id: string }[]) {
  const model = String(ctx.body.model ?? '');
  if (!models.some((m) => m.id === model)) return providerError(ctx, 'modelgone', model);
  const inputs = embeddingInputs(ctx.body.input);
  const tokens = inputs.reduce((n, t) => n + countTokens(t), 0);
  return send(ctx.res, 200, {
    // Mistral's answer carries an id (its SDK requires one) and a completion count; OpenAI's neither.
    ...(ctx.provider === 'mistral' ? { id: randomUUID().replace(/-/g, '') } : {}),
    object: 'list',
    data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: vector(t) })),
    model,
    usage: ctx.provider === 'mistral' ? { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens } : { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function googleEmbed(ctx: Ctx, batch: boolean) {
  const text = (c: unknown) => ((c as { parts?: { text?: string }[] })?.parts ?? []).map((p) => p.text ?? '').join(' ');
  if (!batch) return send(ctx.res, 200, { embedding: { values: vector(text(ctx.body.content)) } });
  const requests = Array.isArray(ctx.body.requests) ? (ctx.body.requests as { content?: unknown }[]) : [];
  return send(ctx.res, 200, { embeddings: requests.map((r) => ({ values: vector(text(r.content)) })) });
}

/** Brave Search's web results, shaped like the real ones (a few fields of each). */
function braveSearch(ctx: Ctx) {
  const q = ctx.query.get('q');
  if (!q) return send(ctx.res, 422, { type: 'ErrorResponse', error: { id: randomUUID(), status: 422, code: 'VALIDATION', detail: 'Unable to validate request parameter(s).', meta: {} } });
  const count = Math.min(20, Math.max(1, Number(ctx.query.get('count') ?? 3)));
  return send(ctx.res, 200, {
    type: 'search',
    query: { original: q, more_results_available: true },
    web: {
      type: 'search',
      results: Array.from({ length: count }, (_, i) => ({
        type: 'search_result', title: `Result ${i + 1} for ${q}`, url: `https://example.test/${i + 1}`, description: `A page about ${q}.`, language: 'en',
      })),
    },
  }, { 'x-ratelimit-remaining': '99' });
}

function openaiImages(ctx: Ctx) {
  const model = String(ctx.body.model ?? '');
  if (model.startsWith('gpt-image') && ctx.body.response_format !== undefined) {
    return send(ctx.res, 400, { error: { message: "Unknown parameter: 'response_format'.", type: 'invalid_request_error', param: 'response_format', code: 'unknown_parameter' } });
  }
  if (!OPENAI_MODELS.some((m) => m.id === model && m.id.startsWith('gpt-image'))) return providerError(ctx, 'modelgone', model);
  const n = Math.min(10, Math.max(1, Number(ctx.body.n ?? 1)));
  return send(ctx.res, 200, {
    created: Math.floor(Date.now() / 1000),
    data: Array.from({ length: n }, () => ({ b64_json: TINY_PNG_BASE64 })),
    background: 'opaque', output_format: 'png', quality: ctx.body.quality ?? 'auto', size: ctx.body.size ?? '1024x1024',
    usage: { input_tokens: 14, output_tokens: 272 * n, total_tokens: 14 + 272 * n, input_tokens_details: { text_tokens: 14, image_tokens: 0 } },
  });
}

// ---------- routing ----------

const INFERENCE = /(messages$|chat\/completions$|responses$|embeddings$|:generateContent$|:streamGenerateContent$|:embedContent$|:batchEmbedContents$|images\/generations$|web\/search$)/;

// The first probe candidate per provider: `modelgone` keys get 404 for it, as a retired model would.
const FIRST_PROBE_CANDIDATE: Record<ProviderId, RegExp> = {
  anthropic: /haiku-4-5/,
  openai: /nano/,
  google: /flash-lite/,
  xai: /mini/,
  mistral: /^mistral-small-latest$/,
  brave: /^$/,
};

async function handleProvider(ctx: Ctx): Promise<void> {
  const { route, provider, scenario, req } = ctx;
  const isInference = INFERENCE.test(route);
  const model =
    typeof ctx.body.model === 'string' ? ctx.body.model : (/models\/([^:]+):/.exec(route)?.[1] ?? undefined);

  if (scenario === 'hang') return; // never answer
  if (scenario === 'drop') {
    ctx.res.socket?.destroy();
    return;
  }
  if (scenario === 'redirect') {
    ctx.res.writeHead(302, { location: ctx.redirectTo ?? 'http://evil.invalid/steal' });
    ctx.res.end();
    return;
  }
  if (scenario === 'echo') return send(ctx.res, 401, { error: { message: `Key ${ctx.key} is not valid`, type: 'invalid_request_error' } });
  if (scenario === 'invalid') return providerError(ctx, 'invalid', model);
  if (scenario === 'ratelimit') return providerError(ctx, 'ratelimit', model);
  if (scenario === 'down') return providerError(ctx, 'down', model);
  if (isInference && (scenario === 'noperm' || scenario === 'listonly')) return providerError(ctx, 'noperm', model);
  if (isInference && scenario === 'nocredit') return providerError(ctx, 'nocredit', model);
  if (isInference && scenario === 'modelgone' && model && FIRST_PROBE_CANDIDATE[provider].test(model)) {
    return providerError(ctx, 'modelgone', model);
  }

  if (ctx.latency.firstByteMs > 0) await sleep(ctx.latency.firstByteMs);

  switch (provider) {
    case 'anthropic': {
      if (!req.headers['anthropic-version']) {
        return send(ctx.res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
      }
      if (req.method === 'GET' && route === '/models') {
        const limit = Math.min(1000, Math.max(1, Number(ctx.query.get('limit') ?? 20)));
        const after = ctx.query.get('after_id');
        const start = after ? ANTHROPIC_MODELS.findIndex((m) => m.id === after) + 1 : 0;
        const page = ANTHROPIC_MODELS.slice(start, start + limit);
        return send(ctx.res, 200, {
          data: page,
          has_more: start + limit < ANTHROPIC_MODELS.length,
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
        });
      }
      if (req.method === 'POST' && route === '/messages') {
        if (!ANTHROPIC_MODELS.some((m) => m.id === model || m.id.startsWith(`${model}-`))) return providerError(ctx, 'modelgone', model);
        return anthropicMessages(ctx);
      }
      if (req.method === 'POST' && route === '/messages/count_tokens') return send(ctx.res, 200, { input_tokens: 8 });
      break;
    }
    case 'openai':
    case 'xai':
    case 'mistral': {
      const models = provider === 'openai' ? OPENAI_MODELS : provider === 'xai' ? XAI_MODELS.map((m) => ({ id: m.id, object: 'model', created: 1770000000, owned_by: 'xai' })) : MISTRAL_MODELS;
      if (req.method === 'GET' && route === '/models') return send(ctx.res, 200, { object: 'list', data: models });
      if (provider === 'xai' && req.method === 'GET' && route === '/api-key') {
        return send(ctx.res, 200, {
          redacted_api_key: `${ctx.key.slice(0, 4)}…${ctx.key.slice(-4)}`, user_id: 'user-fake', name: 'studio',
          create_time: '2026-01-01T00:00:00Z', modify_time: '2026-01-01T00:00:00Z', modified_by: 'user-fake', team_id: 'team-fake',
          acls: ['api-key:model:*', 'api-key:endpoint:*'], api_key_id: 'key-fake',
          team_blocked: false, api_key_blocked: false, api_key_disabled: false,
        });
      }
      if (provider === 'xai' && req.method === 'GET' && route === '/language-models') {
        return send(ctx.res, 200, {
          models: XAI_MODELS.filter((m) => m.output_modalities.includes('text')).map((m) => ({
            ...m, fingerprint: 'fp_fake', created: 1770000000, object: 'model', owned_by: 'xai', version: '1.0.0',
            prompt_text_token_price: 2000, cached_prompt_text_token_price: 500, prompt_image_token_price: 0,
            completion_text_token_price: 10000, search_price: 0, aliases: [],
          })),
        });
      }
      if (req.method === 'POST' && route === '/chat/completions') {
        if (!models.some((m) => m.id === model)) return providerError(ctx, 'modelgone', model);
        return chatCompletions(ctx);
      }
      if (provider === 'openai' && req.method === 'POST' && route === '/images/generations') return openaiImages(ctx);
      if (provider === 'openai' && req.method === 'POST' && route === '/responses') return openaiResponses(ctx);
      if (provider !== 'xai' && req.method === 'POST' && route === '/embeddings') return embeddings(ctx, models);
      break;
    }
    case 'brave': {
      if (req.method === 'GET' && route === '/res/v1/web/search') return braveSearch(ctx);
      break;
    }
    case 'google': {
      if (req.method === 'GET' && route === '/models') {
        const size = Math.min(1000, Math.max(1, Number(ctx.query.get('pageSize') ?? 50)));
        const start = Number(ctx.query.get('pageToken') ?? 0) || 0;
        const page = GOOGLE_MODELS.slice(start, start + size);
        const next = start + size < GOOGLE_MODELS.length ? String(start + size) : undefined;
        return send(ctx.res, 200, { models: page, ...(next ? { nextPageToken: next } : {}) });
      }
      const m = /^\/models\/([^:/]+):(generateContent|streamGenerateContent)$/.exec(route);
      if (req.method === 'POST' && m) {
        const id = m[1]!;
        if (!GOOGLE_MODELS.some((g) => g.baseModelId === id)) return providerError(ctx, 'modelgone', id);
        if (m[2] === 'streamGenerateContent' && ctx.query.get('alt') !== 'sse') {
          return send(ctx.res, 400, { error: { code: 400, message: 'This fake only streams with alt=sse', status: 'INVALID_ARGUMENT' } });
        }
        return googleGenerate(ctx, id, m[2] === 'streamGenerateContent');
      }
      const e = /^\/models\/([^:/]+):(embedContent|batchEmbedContents|countTokens)$/.exec(route);
      if (req.method === 'POST' && e) {
        if (!GOOGLE_MODELS.some((g) => g.baseModelId === e[1])) return providerError(ctx, 'modelgone', e[1]);
        if (e[2] === 'countTokens') return send(ctx.res, 200, { totalTokens: countTokens(promptText(ctx)) });
        return googleEmbed(ctx, e[2] === 'batchEmbedContents');
      }
      break;
    }
  }
  return send(ctx.res, 404, { error: { message: `No route ${req.method} ${route}` } });
}

function extractKey(provider: ProviderId, req: IncomingMessage): { key: string | null; header: RecordedRequest['authHeader'] } {
  if (provider === 'anthropic') {
    const k = req.headers['x-api-key'];
    return { key: typeof k === 'string' ? k : null, header: typeof k === 'string' ? 'x-api-key' : null };
  }
  if (provider === 'google') {
    const k = req.headers['x-goog-api-key'];
    return { key: typeof k === 'string' ? k : null, header: typeof k === 'string' ? 'x-goog-api-key' : null };
  }
  if (provider === 'brave') {
    const k = req.headers['x-subscription-token'];
    return { key: typeof k === 'string' ? k : null, header: typeof k === 'string' ? 'x-subscription-token' : null };
  }
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer (.+)$/.exec(auth) : null;
  return { key: m?.[1] ?? null, header: auth ? 'authorization' : null };
}

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 5_000_000) break;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (!raw.length) return {};
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return parseBody(await readRawBody(req));
}

export type FakeOptions = { port?: number; host?: string; latency?: Partial<Latency> };

export async function startFakeProviders(opts: FakeOptions = {}): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  // Keys revoked at run time (by fingerprint): they answer as invalid from then on.
  const revoked = new Set<string>();
  // Redirect targets per key fingerprint, so a test can point a `-redirect` key at a server it watches.
  const redirects = new Map<string, string>();
  const latency: Latency = { firstByteMs: 0, chunkIntervalMs: 5, chunks: 12, ...opts.latency };
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake.local');
      if (url.pathname === '/__fake/requests') {
        if (req.method === 'DELETE') requests.length = 0;
        return send(res, 200, requests);
      }
      if (url.pathname === '/__fake/health') return send(res, 200, { ok: true });
      if (url.pathname === '/__fake/latency' && req.method === 'POST') {
        Object.assign(latency, (await readBody(req)) as Partial<Latency>);
        return send(res, 200, latency);
      }
      if (url.pathname === '/__fake/revoke' && req.method === 'POST') {
        const { fingerprint } = (await readBody(req)) as { fingerprint?: unknown };
        if (typeof fingerprint === 'string') revoked.add(fingerprint);
        return send(res, 200, { revoked: revoked.size });
      }
      if (url.pathname === '/__fake/redirect' && req.method === 'POST') {
        const { fingerprint, location } = (await readBody(req)) as { fingerprint?: unknown; location?: unknown };
        if (typeof fingerprint === 'string' && typeof location === 'string') redirects.set(fingerprint, location);
        return send(res, 200, { redirects: redirects.size });
      }
      const provider = (Object.keys(PREFIXES) as ProviderId[]).find((p) => url.pathname.startsWith(`${PREFIXES[p]}/`));
      if (!provider) return send(res, 404, { error: 'unknown provider path' });
      const route = url.pathname.slice(PREFIXES[provider].length);
      const raw = req.method === 'POST' ? await readRawBody(req) : Buffer.alloc(0);
      const body = parseBody(raw);
      const { key, header } = extractKey(provider, req);
      const keyInUrl = url.searchParams.has('key');
      requests.push({
        provider,
        method: req.method ?? 'GET',
        path: url.pathname,
        authHeader: header,
        keyFingerprint: key ? keyFingerprint(key) : null,
        keyInUrl,
        model: typeof body.model === 'string' ? body.model : (/models\/([^:]+):/.exec(route)?.[1] ?? null),
        stream: body.stream === true || route.includes('streamGenerateContent'),
        at: Date.now(),
        clientAborted: false,
        durationMs: null,
        headerNames: Object.keys(req.headers).sort(),
        bodyFingerprint: raw.length ? createHash('sha256').update(raw).digest('hex').slice(0, 16) : null,
      });
      const record = requests[requests.length - 1]!;
      const arrived = performance.now();
      res.on('close', () => {
        if (!res.writableEnded) record.clientAborted = true;
        record.durationMs = performance.now() - arrived;
      });
      const ctx: Ctx = {
        provider, req, res, route, query: url.searchParams, body, key: key ?? '', scenario: 'valid', latency,
        redirectTo: key ? redirects.get(keyFingerprint(key)) : undefined,
      };
      // Keys in URLs end up in logs and exception texts: refuse them loudly so a regression fails tests.
      if (keyInUrl) return send(res, 400, { error: { code: 400, message: 'Keys in the URL are refused by the fake provider.', status: 'INVALID_ARGUMENT' } });
      if (!key) return providerError(ctx, 'missing');
      ctx.scenario = revoked.has(keyFingerprint(key)) ? 'invalid' : scenarioFor(key);
      await handleProvider(ctx);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'fake provider crashed' });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    requests,
    latency,
    baseUrls: Object.fromEntries(Object.entries(PREFIXES).map(([p, prefix]) => [p, url + prefix])) as Record<ProviderId, string>,
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The environment that points the app at these fakes. */
export function fakeProviderEnv(fp: Pick<FakeProviders, 'baseUrls'>): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: fp.baseUrls.anthropic,
    OPENAI_BASE_URL: fp.baseUrls.openai,
    GOOGLE_BASE_URL: fp.baseUrls.google,
    XAI_BASE_URL: fp.baseUrls.xai,
    MISTRAL_BASE_URL: fp.baseUrls.mistral,
    BRAVE_BASE_URL: fp.baseUrls.brave,
  };
}
