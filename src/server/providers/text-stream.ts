import 'server-only';
// A script step's streamed generation, on the gateway's upstream connections (gateway/proxy.ts: undici,
// keep-alive, no redirects, no retries) and read straight off the socket: one request in each provider's
// own protocol (reference/providers.md), its SSE events cut and parsed here. The AI SDK's stream stack
// (fetch, web streams, an event-source parser and a transform per chunk) cost about 5 ms of CPU a run.
// A refused request throws the AI SDK's APICallError (its body without the key), so a failure is
// classified as before (messages.ts).
import { APICallError } from 'ai';
import type { ProviderId } from '~/lib/providers';
import type { Dispatcher } from 'undici';
import { readErrorBody, upstreamAgent } from '~/server/gateway/proxy';
import { providerBaseUrl } from '~/server/providers/config';
import { requireKey, requireModelId } from '~/server/providers/sdk';

export type TextPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'finish'; usage: { inputTokens: number; outputTokens: number } }
  | { type: 'error'; error: unknown };

export type TextRequest = { provider: ProviderId; apiKey: string; modelId: string; system: string; prompt: string; maxOutputTokens: number; signal: AbortSignal };

type Wire = { path: string; headers: Record<string, string>; body: unknown; read: (data: unknown, event: string, usage: Usage) => string | null };
type Usage = { inputTokens: number; outputTokens: number; done: boolean };

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const asObj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** An event longer than this is not held to its end: the stream counts as broken (no usage reported). */
export const MAX_EVENT_CHARS = 1024 * 1024;

/** The error a provider sends in the stream in place of the next event. */
class StreamedError extends Error {
  constructor(readonly detail: unknown) {
    super('the provider reported an error mid-stream');
  }
}

function wireFor(r: TextRequest): Wire {
  switch (r.provider) {
    case 'anthropic':
      return {
        path: '/messages',
        headers: { 'x-api-key': r.apiKey, 'anthropic-version': '2023-06-01' },
        body: { model: r.modelId, max_tokens: r.maxOutputTokens, system: r.system, messages: [{ role: 'user', content: r.prompt }], stream: true },
        read: (data, event, usage) => {
          const d = asObj(data);
          const type = event || d.type;
          if (type === 'content_block_delta') {
            const delta = asObj(d.delta);
            return delta.type === 'text_delta' && typeof delta.text === 'string' ? delta.text : null;
          }
          if (type === 'message_start') usage.inputTokens = num(asObj(asObj(d.message).usage).input_tokens);
          else if (type === 'message_delta') usage.outputTokens = num(asObj(d.usage).output_tokens);
          else if (type === 'message_stop') usage.done = true;
          else if (type === 'error') throw new StreamedError(d.error);
          return null;
        },
      };
    case 'google':
      return {
        path: `/models/${r.modelId}:streamGenerateContent?alt=sse`,
        headers: { 'x-goog-api-key': r.apiKey },
        body: {
          systemInstruction: { parts: [{ text: r.system }] },
          contents: [{ role: 'user', parts: [{ text: r.prompt }] }],
          generationConfig: { maxOutputTokens: r.maxOutputTokens },
        },
        read: (data, _event, usage) => {
          const d = asObj(data);
          if (d.error) throw new StreamedError(d.error);
          const meta = asObj(d.usageMetadata);
          if (d.usageMetadata) {
            usage.inputTokens = num(meta.promptTokenCount);
            usage.outputTokens = num(meta.candidatesTokenCount);
          }
          const candidate = asObj((d.candidates as unknown[] | undefined)?.[0]);
          if (candidate.finishReason) usage.done = true;
          const parts = (asObj(candidate.content).parts as { text?: unknown }[] | undefined) ?? [];
          const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
          return text || null;
        },
      };
    case 'openai':
    case 'xai':
    case 'mistral':
      return {
        path: '/chat/completions',
        headers: { authorization: `Bearer ${r.apiKey}` },
        body: {
          model: r.modelId,
          messages: [{ role: 'system', content: r.system }, { role: 'user', content: r.prompt }],
          // OpenAI's reasoning models take only max_completion_tokens; Mistral refuses stream_options.
          ...(r.provider === 'openai' ? { max_completion_tokens: r.maxOutputTokens } : { max_tokens: r.maxOutputTokens }),
          stream: true,
          ...(r.provider === 'mistral' ? {} : { stream_options: { include_usage: true } }),
        },
        read: (data, _event, usage) => {
          const d = asObj(data);
          if (d.error) throw new StreamedError(d.error);
          if (d.usage) {
            const u = asObj(d.usage);
            usage.inputTokens = num(u.prompt_tokens);
            usage.outputTokens = num(u.completion_tokens);
            usage.done = true;
          }
          const content = asObj(asObj((d.choices as unknown[] | undefined)?.[0]).delta).content;
          return typeof content === 'string' && content ? content : null;
        },
      };
  }
}

/**
 * Sends the request at once; resolves when the provider answered (rejects with APICallError when it
 * refused) with its parts: the text as it comes, then `finish` with the usage the provider reported (none
 * when the stream ended without it: the caller treats that as broken). Aborting the signal aborts the
 * request and the reading.
 */
export async function openTextStream(r: TextRequest): Promise<AsyncGenerator<TextPart>> {
  // An empty key would go out as an empty header; a model id goes into the body, and for Google the path.
  requireKey(r.apiKey);
  requireModelId(r.modelId);
  const wire = wireFor(r);
  const url = new URL(providerBaseUrl(r.provider) + wire.path);
  const { statusCode, headers, body } = await upstreamAgent.request({
    origin: url.origin,
    path: url.pathname + url.search,
    method: 'POST',
    headers: { ...wire.headers, 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'identity' },
    body: JSON.stringify(wire.body),
    signal: r.signal,
  });
  if (statusCode >= 300) {
    const responseBody = await readErrorBody(body, r.apiKey);
    const responseHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') responseHeaders[k] = v;
    // A redirect is never followed (it could carry the key elsewhere): it counts as the provider failing.
    throw new APICallError({
      message: `${r.provider} answered ${statusCode}`, url: url.origin + url.pathname, requestBodyValues: {},
      statusCode: statusCode >= 400 ? statusCode : 502, responseHeaders, responseBody, isRetryable: false,
    });
  }
  body.setEncoding('utf8');
  return readParts(body, wire);
}

async function* readParts(body: Dispatcher.ResponseData['body'], wire: Wire): AsyncGenerator<TextPart> {
  const usage: Usage = { inputTokens: 0, outputTokens: 0, done: false };
  let carry = '';
  try {
    for await (const chunk of body as AsyncIterable<string>) {
      carry += chunk;
      // Events end at a blank line; an incomplete one waits for the rest.
      for (let end = eventEnd(carry); end; end = eventEnd(carry)) {
        const raw = carry.slice(0, end.at);
        carry = carry.slice(end.at + end.length);
        const { event, data } = parseEvent(raw);
        if (!data || data === '[DONE]') continue;
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          continue; // not an event of this protocol: skipped, as an SSE client does
        }
        const text = wire.read(json, event, usage);
        if (text) yield { type: 'text-delta', delta: text };
      }
      if (carry.length > MAX_EVENT_CHARS) return;
    }
  } catch (e) {
    if (e instanceof StreamedError) {
      yield { type: 'error', error: e.detail };
      return;
    }
    throw e;
  } finally {
    if (!body.destroyed) body.destroy(); // a consumer that stopped early closes the request
  }
  if (usage.done) yield { type: 'finish', usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } };
}

function eventEnd(s: string): { at: number; length: number } | null {
  const lf = s.indexOf('\n\n');
  const crlf = s.indexOf('\r\n\r\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : null;
}

function parseEvent(raw: string): { event: string; data: string } {
  let event = '';
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    else if (line.startsWith('event:')) event = line.slice(6).trim();
  }
  return { event, data: data.join('\n') };
}
