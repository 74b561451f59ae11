import 'server-only';
// Maps a provider's error response to one outcome (reference/providers.md §8.2). Status and structured
// fields first, message text last; every message pattern lives in this file.
import type { KeyOutcome, ProviderId } from '~/lib/providers';
import type { HttpResult } from '~/server/providers/http';

export type Failure = Exclude<KeyOutcome, 'valid' | 'malformed_key'>;
export type Classified = { outcome: Failure | 'model_problem'; retryAfterSeconds: number | null; requestId: string | null };

type Body = {
  error?: unknown;
  detail?: unknown;
  message?: unknown;
  type?: unknown;
  code?: unknown;
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The provider's error message and code/type, wherever its shape keeps them. */
function errorFields(json: unknown): { message: string; code: string; type: string; status: string; details: unknown[] } {
  if (typeof json === 'string') return { message: json, code: '', type: '', status: '', details: [] };
  const b = (json ?? {}) as Body;
  if (typeof b.error === 'string') return { message: b.error, code: str(b.code), type: '', status: '', details: [] };
  const e = (b.error ?? b) as Record<string, unknown>;
  return {
    message: str(e.message) || str(b.detail) || str(b.message),
    code: String(e.code ?? ''),
    type: str(e.type),
    status: str(e.status),
    details: Array.isArray(e.details) ? e.details : [],
  };
}

function seconds(v: string | null, unit: 's' | 'ms' = 's'): number | null {
  if (!v) return null;
  const n = Number.parseFloat(v);
  if (!Number.isFinite(n) || n < 0) return null;
  return unit === 'ms' ? n / 1000 : n;
}

function retryAfter(r: HttpResult, details: unknown[]): number | null {
  const fromHeaders =
    seconds(r.headers.get('retry-after-ms'), 'ms') ??
    seconds(r.headers.get('retry-after')) ??
    seconds(r.headers.get('ratelimitbysize-reset'));
  if (fromHeaders !== null) return fromHeaders;
  for (const d of details) {
    const delay = (d as { retryDelay?: unknown }).retryDelay;
    if (typeof delay === 'string') return seconds(delay.replace(/s$/, ''));
  }
  return null;
}

function requestId(r: HttpResult): string | null {
  const id = r.headers.get('request-id') ?? r.headers.get('x-request-id');
  return id && /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : null;
}

export function classifyHttpFailure(provider: ProviderId, r: HttpResult): Classified {
  const f = errorFields(r.json ?? r.text);
  const msg = f.message;
  const s = r.status;
  const out = (outcome: Classified['outcome']): Classified => ({
    outcome,
    retryAfterSeconds: outcome === 'rate_limited' ? retryAfter(r, f.details) : null,
    requestId: requestId(r),
  });

  switch (provider) {
    case 'anthropic':
      if (s === 401) return out('invalid_key');
      if (s === 403) return out('permission_denied');
      if (s === 402 || (s === 400 && /credit balance/i.test(msg))) return out('no_credit');
      if (s === 429) return out('rate_limited');
      if (s === 404) return out('model_problem');
      break;
    case 'openai':
      if (s === 401 && f.code === 'invalid_api_key') return out('invalid_key');
      if (s === 401 && /missing scopes|insufficient permissions|member of an organization|IP not authorized/i.test(msg)) {
        return out('permission_denied');
      }
      if (s === 401) return out('invalid_key');
      if (s === 403) return out('permission_denied');
      if (s === 429 && (f.code === 'insufficient_quota' || f.type === 'insufficient_quota')) return out('no_credit');
      if (s === 429) return out('rate_limited');
      if (s === 404 || f.code === 'model_not_found' || /only supported in v1\/responses/i.test(msg)) return out('model_problem');
      break;
    case 'google': {
      const reasons = f.details.map((d) => str((d as { reason?: unknown }).reason));
      const quotaIds = f.details.flatMap((d) =>
        ((d as { violations?: { quotaId?: unknown }[] }).violations ?? []).map((v) => str(v.quotaId)),
      );
      if (s === 400 && (reasons.includes('API_KEY_INVALID') || /API key not valid|API Key not found/i.test(msg))) return out('invalid_key');
      if (s === 401) return out('invalid_key');
      if (s === 403 && /reported as leaked/i.test(msg)) return out('invalid_key');
      if (s === 403) return out('permission_denied');
      if (s === 400 && f.status === 'FAILED_PRECONDITION') return out('permission_denied');
      if (s === 429 && quotaIds.some((q) => /PerDay/i.test(q))) return out('no_credit');
      if (s === 429) return out('rate_limited');
      if (s === 404) return out('model_problem');
      break;
    }
    case 'xai':
      if ((s === 400 && /incorrect api key/i.test(msg)) || s === 401) return out('invalid_key');
      if ((s === 403 || s === 429) && /credits|spending limit|subscription/i.test(msg)) return out('no_credit');
      if (s === 403) return out('permission_denied');
      if (s === 429) return out('rate_limited');
      if (s === 404) return out('model_problem');
      break;
    case 'mistral':
      if (s === 401) return out('invalid_key');
      if (s === 403) return out('permission_denied');
      if ((s === 429 || s === 503) && /capacity exceeded/i.test(msg)) return out('provider_unavailable');
      if (s === 429 && /month|quota|billing|payment/i.test(msg)) return out('no_credit');
      if (s === 429) return out('rate_limited');
      if (s === 404 || (s === 400 && /invalid model/i.test(msg))) return out('model_problem');
      break;
  }
  return out('provider_unavailable');
}
