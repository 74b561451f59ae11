// Driving a run in tests: its events collected, and a Pro workspace whose owner has connected a key.
import type { RunEvent } from '~/lib/schemas/generation';
import type { Db } from '~/server/db/connect';
import { canaryKey } from './canary';
import { callerFor, proWorkspace } from './fixtures';

export async function collect(gen: AsyncGenerator<RunEvent>) {
  const events: RunEvent[] = [];
  for await (const e of gen) events.push(e);
  return events;
}

export const finished = (events: RunEvent[]) => events.find((e) => e.type === 'finished') as Extract<RunEvent, { type: 'finished' }>;

export const scriptOf = (events: RunEvent[]) => events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join('');

/** A Pro workspace whose owner added a canary key for `provider` (the suffix steers the fake provider). */
export async function ownerWithKey(db: Db, name: string, provider: 'anthropic' | 'openai' | 'google' = 'anthropic', suffix = '') {
  const w = await proWorkspace(db, name);
  const k = canaryKey({ anthropic: 'sk-ant-api03-', openai: 'sk-proj-', google: 'AQ.' }[provider]) + suffix;
  const { key } = await callerFor(db, w.owner).keys.create({ workspaceId: w.workspaceId, provider, label: 'primary', apiKey: k });
  const ws = { id: w.workspaceId, plan: 'pro' as const };
  return { ...w, ws, k, key };
}

export type SseEvent = { id: number; event: RunEvent };

/**
 * Reads a run's event stream (GET …/runs/{id}/events) as a browser would, until it ends or `stopAfter`
 * says so (then the connection is dropped, as a reload would).
 */
export async function readRunStream(
  url: string,
  headers: Record<string, string>,
  opts: { lastEventId?: number; stopAfter?: (e: SseEvent, all: SseEvent[]) => boolean } = {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const controller = new AbortController();
  const r = await fetch(url, { headers: { ...headers, ...(opts.lastEventId ? { 'last-event-id': String(opts.lastEventId) } : {}) }, signal: controller.signal });
  const events: SseEvent[] = [];
  if (r.status !== 200 || !r.body) {
    await r.text();
    return { status: r.status, contentType: r.headers.get('content-type'), events };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (\d+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!id || !data) continue;
        const e = { id: Number(id), event: JSON.parse(data) as RunEvent };
        events.push(e);
        if (opts.stopAfter?.(e, events)) {
          controller.abort();
          return { status: r.status, contentType: r.headers.get('content-type'), events };
        }
      }
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  }
  return { status: r.status, contentType: r.headers.get('content-type'), events };
}
