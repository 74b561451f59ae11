import 'server-only';

// Outgoing calls to providers: one attempt, bounded time, no redirects (a redirect could carry the key
// to another host), never cached, and only a bounded prefix of the body is read. Provider bodies are
// used for classification and dropped; they never reach logs or errors (several echo the key).

export const PROBE_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 64 * 1024;

export type HttpResult = {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON (bounded); null otherwise. */
  json: unknown;
  /** The bounded body text, for message-text classification only. */
  text: string;
};

export class NetworkFailure extends Error {
  override name = 'NetworkFailure';
  constructor(readonly kind: 'timeout' | 'network' | 'redirect' | 'aborted') {
    super(`provider request failed: ${kind}`);
  }
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** JSON.parse whose failure never quotes the input (V8's SyntaxError does). */
export function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export async function providerFetch(
  url: string,
  init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: unknown; timeoutMs?: number; signal?: AbortSignal },
): Promise<HttpResult> {
  const timeout = AbortSignal.timeout(init.timeoutMs ?? PROBE_TIMEOUT_MS);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...init.headers, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      redirect: 'manual',
      cache: 'no-store',
      signal,
    });
  } catch {
    // The error text can include the URL; report only the kind of failure.
    if (timeout.aborted) throw new NetworkFailure('timeout');
    if (init.signal?.aborted) throw new NetworkFailure('aborted');
    throw new NetworkFailure('network');
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    throw new NetworkFailure('redirect');
  }
  let text: string;
  try {
    text = await readBounded(res);
  } catch {
    throw new NetworkFailure(timeout.aborted ? 'timeout' : 'network');
  }
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, json: type.includes('json') || text.startsWith('{') ? safeJsonParse(text) : null };
}
