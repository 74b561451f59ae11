import 'server-only';
// The validation probe (PRODUCT.md K2, reference/providers.md §8.3): list models, then a one-token
// request on a cheap model from that list. One attempt per call, bounded time, no redirects, no
// retries, nothing stored. The provider's response is reduced to an outcome and the model ids.
import type { KeyOutcome, ProviderId } from '~/lib/providers';
import { ADAPTERS, type DiscoveredModel } from '~/server/providers/adapters';
import { type Classified, classifyHttpFailure } from '~/server/providers/classify';
import { NetworkFailure, PROBE_TIMEOUT_MS } from '~/server/providers/http';

export type ProbeResult =
  | { outcome: 'valid'; models: DiscoveredModel[]; probeModel: string }
  | { outcome: Exclude<KeyOutcome, 'valid' | 'malformed_key'>; retryAfterSeconds: number | null; requestId: string | null };

const MAX_CANDIDATES = 3;

function networkOutcome(e: unknown): ProbeResult {
  if (e instanceof NetworkFailure) return { outcome: 'provider_unavailable', retryAfterSeconds: null, requestId: null };
  throw e;
}

function failed(c: Classified): ProbeResult {
  const outcome = c.outcome === 'model_problem' ? 'model_unavailable' : c.outcome;
  return { outcome, retryAfterSeconds: c.retryAfterSeconds, requestId: c.requestId };
}

export type ProbeOptions = {
  /** The caller's own cancellation (a closed request). */
  signal?: AbortSignal;
  /** The whole probe's deadline — listing and every one-token attempt together. */
  timeoutMs?: number;
};

export async function probeKey(provider: ProviderId, key: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const adapter = ADAPTERS[provider];
  // The probe's own deadline is the only bound when adding a key: without it a provider that accepts the
  // connection and never answers would hold the request (and its probe slot) for as long as it likes.
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? PROBE_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  try {
    const listed = await adapter.listModels(key, signal);
    if (!listed.ok) return failed(classifyHttpFailure(provider, listed.response));
    for (const model of adapter.probeCandidates(listed.models).slice(0, MAX_CANDIDATES)) {
      const r = await adapter.oneTokenRequest(key, model, signal);
      if (r.status >= 200 && r.status < 300) return { outcome: 'valid', models: listed.models, probeModel: model };
      const c = classifyHttpFailure(provider, r);
      // A retired or inaccessible probe model says nothing about the key: try the next one.
      if (c.outcome !== 'model_problem') return failed(c);
    }
    return { outcome: 'model_unavailable', retryAfterSeconds: null, requestId: null };
  } catch (e) {
    return networkOutcome(e);
  }
}

/** Lists the key's models without spending a token (used to refresh "My models"). */
export async function listKeyModels(provider: ProviderId, key: string): Promise<{ ok: true; models: DiscoveredModel[] } | ProbeResult> {
  try {
    const listed = await ADAPTERS[provider].listModels(key);
    return listed.ok ? listed : failed(classifyHttpFailure(provider, listed.response));
  } catch (e) {
    return networkOutcome(e);
  }
}
