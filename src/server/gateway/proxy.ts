import 'server-only';
// The gateway's streaming core: one upstream request per call (undici, pooled keep-alive connections, no
// redirects, no retries — a retry can bill twice), its answer passed back byte for byte while the first and
// last bytes are kept to read usage from, and the upstream request aborted the moment the caller goes away.
// Error answers are small: they are read whole and any echo of a key is taken out before they go back.
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { isForwardedResponseHeader } from '~/server/gateway/providers';
import { scrubSecrets } from '~/server/log';

const HEAD_BYTES = 4 * 1024;
const TAIL_BYTES = 32 * 1024;
const MAX_ERROR_BODY = 64 * 1024;

// Idle time allowed before the first header (a long non-streamed generation) and between body chunks.
// Shared with the Studio's script steps (providers/text-stream.ts): one pool of provider connections.
export const upstreamAgent = new Agent({ keepAliveTimeout: 30_000, connections: 512, headersTimeout: 600_000, bodyTimeout: 120_000 });

export type Forwarded = {
  status: number;
  outcome: 'ok' | 'upstream_error' | 'client_closed' | 'upstream_failed' | 'upstream_redirect' | 'retry';
  /** The request provably never reached the provider (it could not connect): only then may another key take it. */
  unsent: boolean;
  bytesOut: number;
  firstByteMs: number | null;
  head: string;
  tail: string;
};

export type ForwardOptions = {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: Buffer | undefined;
  res: ServerResponse;
  /** Headers the API puts on every answer (security, no-store). */
  baseHeaders: Record<string, string | string[]>;
  /** The real key, so an error body that echoes it can be cleaned. */
  secret: string;
  started: number;
  /** Rewrites a streamed answer (only for what the caller did not ask for); null passes bytes unchanged. */
  transform: StreamTransform | null;
  /**
   * Asked about an error answer (its status and cleaned body) before any byte of it goes to the caller:
   * true keeps it from the caller (outcome `retry`) so the call can go on with another key.
   */
  retry?: (status: number, body: string) => boolean;
};

/** Event-by-event rewriting of an SSE stream's bytes; `end` returns what was held back. */
export type StreamTransform = { push(chunk: Buffer): Buffer; end(): Buffer };

function upstreamHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined && isForwardedResponseHeader(name)) out[name] = value;
  return out;
}

/** An error body without the key, masked echoes of a key (`sk-…****abcd`), or anything key-shaped. */
export function cleanErrorBody(text: string, secret: string): string {
  return scrubSecrets(text.split(secret).join('[REDACTED]').replace(/[A-Za-z0-9_.-]*\*{3,}[A-Za-z0-9_.-]*/g, '[REDACTED]'));
}

/** An error answer's body, read whole but kept to MAX_ERROR_BODY, and cleaned of the key. */
export async function readErrorBody(body: AsyncIterable<Buffer>, secret: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return cleanErrorBody(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8'), secret);
}

export async function forward(o: ForwardOptions): Promise<Forwarded> {
  const controller = new AbortController();
  let finished = false;
  const onClose = () => {
    if (!finished) controller.abort();
  };
  o.res.on('close', onClose);
  const result: Forwarded = { status: 502, outcome: 'upstream_failed', unsent: false, bytesOut: 0, firstByteMs: null, head: '', tail: '' };
  try {
    let upstream;
    try {
      upstream = await upstreamAgent.request({
        origin: o.url.origin,
        path: o.url.pathname + o.url.search,
        method: o.method,
        headers: { ...o.headers, 'accept-encoding': 'identity' },
        body: o.body,
        signal: controller.signal,
      });
    } catch (err) {
      // The error text may name the URL; what the caller gets is ours.
      result.outcome = controller.signal.aborted ? 'client_closed' : 'upstream_failed';
      result.unsent = !controller.signal.aborted && neverSent(err);
      return result;
    }
    const { statusCode, headers, body } = upstream;
    result.status = statusCode;
    if (statusCode >= 300 && statusCode < 400) {
      // A redirect could take the caller anywhere: never passed on.
      body.resume();
      result.status = 502;
      result.outcome = 'upstream_redirect';
      return result;
    }
    const outHeaders = { ...o.baseHeaders, ...upstreamHeaders(headers) };
    if (statusCode >= 400) {
      const text = await readErrorBody(body, o.secret);
      if (o.retry?.(statusCode, text)) {
        result.outcome = 'retry';
        result.head = result.tail = text;
        finished = true;
        return result;
      }
      o.res.writeHead(statusCode, outHeaders);
      o.res.end(text);
      result.outcome = 'upstream_error';
      result.bytesOut = Buffer.byteLength(text);
      result.head = result.tail = text;
      finished = true;
      return result;
    }

    o.res.writeHead(statusCode, outHeaders);
    const head: Buffer[] = [];
    let headSize = 0;
    const tail: Buffer[] = [];
    let tailSize = 0;
    // Chunks are handled as they arrive, without an async iterator's promise per chunk; the upstream
    // body pauses while the caller's socket is full.
    await new Promise<void>((resolve, reject) => {
      const write = (chunk: Buffer) => {
        if (!chunk.length) return;
        if (result.firstByteMs === null) result.firstByteMs = Math.round(performance.now() - o.started);
        result.bytesOut += chunk.length;
        if (!o.res.write(chunk)) {
          body.pause();
          o.res.once('drain', () => body.resume());
        }
      };
      body.on('data', (received: Buffer) => {
        if (headSize < HEAD_BYTES) {
          head.push(received);
          headSize += received.length;
        }
        tail.push(received);
        tailSize += received.length;
        while (tailSize - tail[0]!.length >= TAIL_BYTES) tailSize -= tail.shift()!.length;
        write(o.transform ? o.transform.push(received) : received);
      });
      body.once('end', () => {
        if (o.transform) write(o.transform.end());
        resolve();
      });
      body.once('error', reject);
    });
    o.res.end();
    finished = true;
    result.outcome = 'ok';
    result.head = Buffer.concat(head).toString('utf8');
    result.tail = Buffer.concat(tail).toString('utf8');
    return result;
  } catch {
    // The caller went away (the upstream request is aborted with it), or the stream broke mid-way.
    result.outcome = controller.signal.aborted || o.res.destroyed ? 'client_closed' : 'upstream_failed';
    if (!o.res.headersSent) return result;
    o.res.destroy();
    finished = true;
    return result;
  } finally {
    o.res.off('close', onClose);
    if (!finished && !controller.signal.aborted) controller.abort();
  }
}

// Errors that can only happen before the request left: a connection that was never made. Anything else
// (a reset, a timeout waiting for headers) may come after the provider took the request and billed it.
const CONNECT_ERRORS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function neverSent(err: unknown): boolean {
  const codeOf = (e: unknown) => (e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : '');
  return CONNECT_ERRORS.has(codeOf(err)) || CONNECT_ERRORS.has(codeOf((err as { cause?: unknown } | null)?.cause));
}

const EVENT_END = Buffer.from('\n\n');
/** An incomplete event longer than this is passed on as it is rather than held (and re-scanned) to its end. */
export const MAX_HELD_EVENT = 1024 * 1024;
const NULL_USAGE = Buffer.from(',"usage":null');
const EMPTY_CHOICES = Buffer.from('"choices":[]');

/**
 * For OpenAI streams the gateway asked to report usage (`stream_options.include_usage`) when the caller did
 * not: the extra final usage event and the `"usage":null` each chunk then carries are taken out again, so
 * the caller gets the stream it asked for. Works on the bytes (events are cut at their blank lines; an
 * incomplete one waits for the rest), so nothing is decoded or re-encoded.
 */
export function stripInjectedUsage(): StreamTransform {
  let carry: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = data.lastIndexOf(EVENT_END);
      if (cut < 0) {
        // No OpenAI event is that long: whatever it is goes on untouched.
        if (data.length > MAX_HELD_EVENT) {
          carry = Buffer.alloc(0);
          return data;
        }
        carry = data;
        return Buffer.alloc(0);
      }
      carry = data.subarray(cut + EVENT_END.length);
      const complete = data.subarray(0, cut + EVENT_END.length);
      const parts: Buffer[] = [];
      let from = 0;
      for (;;) {
        const nulled = complete.indexOf(NULL_USAGE, from);
        const usage = complete.indexOf(EMPTY_CHOICES, from);
        if (nulled < 0 && usage < 0) break;
        if (usage >= 0 && (nulled < 0 || usage < nulled)) {
          // The usage event: dropped whole, from the start of its event to the end of it.
          const start = complete.lastIndexOf(EVENT_END, usage);
          const eventStart = start < 0 ? 0 : start + EVENT_END.length;
          const end = complete.indexOf(EVENT_END, usage) + EVENT_END.length;
          parts.push(complete.subarray(from, eventStart));
          from = end;
        } else {
          parts.push(complete.subarray(from, nulled));
          from = nulled + NULL_USAGE.length;
        }
      }
      if (from === 0) return complete;
      parts.push(complete.subarray(from));
      return Buffer.concat(parts);
    },
    end() {
      const rest = carry;
      carry = Buffer.alloc(0);
      return rest;
    },
  };
}
