import 'server-only';
// One small descriptor per provider (Portkey's layout, reference/style.md §11): where its calls go (the
// base URL from server configuration only), which header carries the caller's runtime token and which the
// real key, the paths it serves (an allow-list: nothing else reaches the provider), and how usage is read.
// One generic passthrough handler (routes.ts) serves them all.
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayProvider } from '~/lib/gateway';
import { ZModelId } from '~/lib/schemas/ids';
import { serverEnv } from '~/server/env';
import { providerBaseUrl } from '~/server/providers/config';

/** What a call does, for metering and for the catalog kind its price comes from. */
export type Operation = 'chat' | 'responses' | 'messages' | 'generate' | 'embeddings' | 'models' | 'count_tokens' | 'search';
export type PriceKind = 'text' | 'embedding' | 'search' | null;

/** How a response reports usage (see usage.ts). */
export type UsageFormat = 'openai' | 'openai_responses' | 'anthropic' | 'google' | 'none';

export type Route = {
  method: 'GET' | 'POST';
  /** Matched against the path below the provider's gateway base; anchored. */
  pattern: RegExp;
  operation: Operation;
  /** The path below the provider's configured base URL. */
  upstream(match: RegExpExecArray): string;
  /** Where the model id is, when the path names it (Gemini). */
  modelFromPath?(match: RegExpExecArray): string;
  price: PriceKind;
  usage: UsageFormat;
  /** Whether the path itself asks for a stream (Gemini's streamGenerateContent). */
  streamFromPath?: boolean;
};

export type Descriptor = {
  id: GatewayProvider;
  /** The provider's API base, with its version path where it has one. */
  baseUrl(): string;
  /** The runtime token where the provider's SDK sends its key. */
  tokenFrom(headers: IncomingHttpHeaders): string | null;
  /** The headers that carry the real key upstream. */
  keyHeaders(key: string): Record<string, string>;
  routes: Route[];
  /** Query parameters that may pass (anything else is refused). */
  query: ReadonlySet<string>;
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function bearer(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1] ?? null;
}

const MODEL = '([A-Za-z0-9][A-Za-z0-9._:-]{0,127})';

/** A model id in a path: the one strict pattern, then encoded as one path segment. */
export function pathModel(id: string): string | null {
  return ZModelId.safeParse(id).success && !id.includes(':') ? encodeURIComponent(id) : null;
}

/** The configured base URL, read once: the configuration does not change while the process runs. */
function once(read: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= read());
}

const openAiLike = (id: 'openai' | 'xai', extra: Route[] = []): Descriptor => ({
  id,
  baseUrl: once(() => providerBaseUrl(id)),
  tokenFrom: bearer,
  keyHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  routes: [
    { method: 'POST', pattern: /^v1\/chat\/completions$/, operation: 'chat', upstream: () => '/chat/completions', price: 'text', usage: 'openai' },
    { method: 'GET', pattern: /^v1\/models$/, operation: 'models', upstream: () => '/models', price: null, usage: 'none' },
    ...extra,
  ],
  query: new Set(),
});

export const DESCRIPTORS: Record<GatewayProvider, Descriptor> = {
  openai: openAiLike('openai', [
    { method: 'POST', pattern: /^v1\/responses$/, operation: 'responses', upstream: () => '/responses', price: 'text', usage: 'openai_responses' },
    { method: 'POST', pattern: /^v1\/embeddings$/, operation: 'embeddings', upstream: () => '/embeddings', price: 'embedding', usage: 'openai' },
  ]),
  xai: openAiLike('xai'),
  anthropic: {
    id: 'anthropic',
    baseUrl: once(() => providerBaseUrl('anthropic')),
    // The SDK sends x-api-key; an Authorization bearer (its authToken option) works too.
    tokenFrom: (h) => header(h, 'x-api-key') ?? bearer(h),
    keyHeaders: (key) => ({ 'x-api-key': key }),
    routes: [
      { method: 'POST', pattern: /^v1\/messages$/, operation: 'messages', upstream: () => '/messages', price: 'text', usage: 'anthropic' },
      { method: 'POST', pattern: /^v1\/messages\/count_tokens$/, operation: 'count_tokens', upstream: () => '/messages/count_tokens', price: null, usage: 'none' },
      { method: 'GET', pattern: /^v1\/models$/, operation: 'models', upstream: () => '/models', price: null, usage: 'none' },
    ],
    query: new Set(['limit', 'after_id', 'before_id', 'beta']),
  },
  google: {
    id: 'google',
    baseUrl: once(() => providerBaseUrl('google')),
    tokenFrom: (h) => header(h, 'x-goog-api-key') ?? null,
    keyHeaders: (key) => ({ 'x-goog-api-key': key }),
    routes: [
      ...(
        [
          ['generateContent', 'generate', 'text', 'google', false],
          ['streamGenerateContent', 'generate', 'text', 'google', true],
          ['countTokens', 'count_tokens', null, 'none', false],
          ['embedContent', 'embeddings', 'embedding', 'none', false],
          ['batchEmbedContents', 'embeddings', 'embedding', 'none', false],
        ] as const
      ).map(([method, operation, price, usage, stream]): Route => ({
        method: 'POST',
        pattern: new RegExp(`^v1beta/models/${MODEL}:${method}$`),
        operation,
        modelFromPath: (m) => m[1]!,
        upstream: (m) => `/models/${pathModel(m[1]!)}:${method}`,
        price,
        usage,
        streamFromPath: stream,
      })),
      { method: 'GET', pattern: /^v1beta\/models$/, operation: 'models', upstream: () => '/models', price: null, usage: 'none' },
    ],
    // `alt=sse` asks for a stream; `key` is refused by the route (a key in a URL ends up in logs).
    query: new Set(['alt', 'pageSize', 'pageToken']),
  },
  mistral: {
    id: 'mistral',
    baseUrl: once(() => providerBaseUrl('mistral')),
    tokenFrom: bearer,
    keyHeaders: (key) => ({ authorization: `Bearer ${key}` }),
    routes: [
      { method: 'POST', pattern: /^v1\/chat\/completions$/, operation: 'chat', upstream: () => '/chat/completions', price: 'text', usage: 'openai' },
      { method: 'POST', pattern: /^v1\/embeddings$/, operation: 'embeddings', upstream: () => '/embeddings', price: 'embedding', usage: 'openai' },
      { method: 'GET', pattern: /^v1\/models$/, operation: 'models', upstream: () => '/models', price: null, usage: 'none' },
    ],
    query: new Set(),
  },
  brave: {
    id: 'brave',
    baseUrl: once(() => (serverEnv().BRAVE_BASE_URL ?? 'https://api.search.brave.com').replace(/\/+$/, '')),
    tokenFrom: (h) => header(h, 'x-subscription-token') ?? null,
    keyHeaders: (key) => ({ 'x-subscription-token': key }),
    routes: [{ method: 'GET', pattern: /^res\/v1\/web\/search$/, operation: 'search', upstream: () => '/res/v1/web/search', price: 'search', usage: 'none' }],
    query: new Set(['q', 'country', 'search_lang', 'ui_lang', 'count', 'offset', 'safesearch', 'freshness', 'text_decorations', 'spellcheck', 'result_filter', 'units', 'extra_snippets', 'summary']),
  },
};

export function findRoute(d: Descriptor, method: string, path: string): { route: Route; match: RegExpExecArray } | null {
  for (const route of d.routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, match };
  }
  return null;
}

// Request headers that may pass upstream: what the SDKs send to describe a request. Never cookies, the
// runtime token, forwarding headers or Accept-Encoding (usage is read from the bytes as they come).
const REQUEST_HEADERS = new Set(['content-type', 'accept', 'user-agent', 'anthropic-version', 'anthropic-beta', 'openai-beta', 'x-goog-api-client', 'idempotency-key']);

export function forwardedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (REQUEST_HEADERS.has(name) || name.startsWith('x-stainless-')) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

// Response headers that may come back: content type, rate-limit and retry signals, request ids. Never
// set-cookie, nor headers naming the key owner's organization or project.
export function isForwardedResponseHeader(name: string): boolean {
  return (
    name === 'content-type' ||
    name === 'retry-after' ||
    name === 'retry-after-ms' ||
    name === 'request-id' ||
    name === 'x-request-id' ||
    name === 'openai-processing-ms' ||
    name.startsWith('x-ratelimit-') ||
    name.startsWith('anthropic-ratelimit-')
  );
}
