import 'server-only';
// The gateway's own refusals in each provider's error shape (reference/providers.md), so the official
// SDKs raise their usual exceptions: a rejected token is the SDK's authentication error, our rate limit its
// rate-limit error with retry-after, and so on. Messages are ours and never repeat what was sent.
import type { GatewayProvider } from '~/lib/gateway';
import { AppError, type AppErrorCode } from '~/server/errors';

export type RefusalKind =
  | 'unauthorized' // no, unknown, revoked or expired runtime token
  | 'forbidden' // the token may not call this provider; the plan does not allow own keys
  | 'not_found' // an unknown path, or a model the workspace cannot use here
  | 'bad_request' // malformed input (a key in the URL, a body that is not JSON, a bad model id)
  | 'rate_limited' // our limits per token and address
  | 'insufficient_credits' // managed: the balance does not cover the call's maximum
  | 'unavailable'; // no credential can serve the call right now, or the provider did not answer

export class GatewayRefusal extends Error {
  override name = 'GatewayRefusal';
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** Machine-readable, e.g. `token_revoked`, `provider_not_allowed`, `no_key`. */
    readonly reason: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

// A service's AppError, in the gateway's terms: the same reason and message, answered in the provider's shape.
const KIND_OF: Partial<Record<AppErrorCode, RefusalKind>> = {
  BAD_REQUEST: 'bad_request', UNAUTHORIZED: 'unauthorized', FORBIDDEN: 'forbidden', NOT_FOUND: 'not_found', PAYMENT_REQUIRED: 'insufficient_credits',
  TOO_MANY_REQUESTS: 'rate_limited', SERVICE_UNAVAILABLE: 'unavailable',
};

/** A refusal from a GatewayRefusal or a service's AppError; null for anything else (a defect: it is logged as one). */
export function asRefusal(e: unknown): GatewayRefusal | null {
  if (e instanceof GatewayRefusal) return e;
  if (!(e instanceof AppError)) return null;
  const kind = e.reason === 'insufficient_credits' ? 'insufficient_credits' : KIND_OF[e.code];
  return kind ? new GatewayRefusal(kind, e.message, e.reason) : null;
}

const STATUS: Record<RefusalKind, number> = {
  unauthorized: 401, forbidden: 403, not_found: 404, bad_request: 400, rate_limited: 429, insufficient_credits: 402, unavailable: 503,
};

// OpenAI-style `error.type` per kind (OpenAI, xAI and Mistral clients read these).
const OPENAI_TYPE: Record<RefusalKind, string> = {
  unauthorized: 'invalid_request_error', forbidden: 'permission_error', not_found: 'invalid_request_error', bad_request: 'invalid_request_error',
  rate_limited: 'rate_limit_error', insufficient_credits: 'insufficient_quota', unavailable: 'server_error',
};
const ANTHROPIC_TYPE: Record<RefusalKind, string> = {
  unauthorized: 'authentication_error', forbidden: 'permission_error', not_found: 'not_found_error', bad_request: 'invalid_request_error',
  rate_limited: 'rate_limit_error', insufficient_credits: 'billing_error', unavailable: 'api_error',
};
const GOOGLE_STATUS: Record<RefusalKind, string> = {
  unauthorized: 'UNAUTHENTICATED', forbidden: 'PERMISSION_DENIED', not_found: 'NOT_FOUND', bad_request: 'INVALID_ARGUMENT',
  rate_limited: 'RESOURCE_EXHAUSTED', insufficient_credits: 'RESOURCE_EXHAUSTED', unavailable: 'UNAVAILABLE',
};

export type ErrorResponse = { status: number; headers: Record<string, string>; body: string };

export function refusalResponse(provider: GatewayProvider | null, r: GatewayRefusal): ErrorResponse {
  // OpenAI answers a quota problem with 429 (`insufficient_quota`); its SDK raises RateLimitError for it.
  const status = r.kind === 'insufficient_credits' && (provider === 'openai' || provider === 'xai') ? 429 : STATUS[r.kind];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (r.retryAfterSeconds !== null) headers['retry-after'] = String(Math.max(1, Math.ceil(r.retryAfterSeconds)));
  let body: unknown;
  switch (provider) {
    case 'anthropic':
      body = { type: 'error', error: { type: ANTHROPIC_TYPE[r.kind], message: r.message }, request_id: null };
      break;
    case 'google':
      body = { error: { code: status, message: r.message, status: GOOGLE_STATUS[r.kind] } };
      break;
    case 'brave':
      body = { type: 'ErrorResponse', error: { id: r.reason, status, code: r.reason.toUpperCase(), detail: r.message, meta: {} } };
      break;
    case 'mistral':
      body = { object: 'error', message: r.message, type: OPENAI_TYPE[r.kind], param: null, code: r.reason };
      break;
    default:
      body = { error: { message: r.message, type: OPENAI_TYPE[r.kind], param: null, code: r.kind === 'unauthorized' ? 'invalid_api_key' : r.reason } };
  }
  return { status, headers, body: JSON.stringify(body) };
}
