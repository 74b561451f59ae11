import 'server-only';
// What a run's failures are called and how they are worded for the person who ran it.
import { APICallError } from 'ai';
import type { RunErrorCode } from '~/lib/schemas/generation';
import { type ProviderId, outcomeMessage, PROVIDERS } from '~/lib/providers';
import { classifyHttpFailure } from '~/server/providers/classify';
import { safeJsonParse } from '~/server/providers/http';

export type Classified = { code: RunErrorCode; retryAfterSeconds: number | null };

export function classifyRunError(provider: ProviderId, err: unknown, producedText: boolean): Classified {
  const e = err as { name?: string; lastError?: unknown };
  const inner = e?.name === 'AI_RetryError' && e.lastError ? e.lastError : err;
  if (APICallError.isInstance(inner) && inner.statusCode && inner.statusCode >= 400) {
    const c = classifyHttpFailure(provider, {
      status: inner.statusCode,
      headers: new Headers(inner.responseHeaders ?? {}),
      json: safeJsonParse(inner.responseBody ?? ''),
      text: inner.responseBody ?? '',
    });
    return { code: c.outcome === 'model_problem' ? 'model_unavailable' : c.outcome, retryAfterSeconds: c.retryAfterSeconds };
  }
  return { code: producedText ? 'stream_interrupted' : 'provider_unavailable', retryAfterSeconds: null };
}

export function runErrorMessage(code: string, provider: ProviderId | null, byok: boolean, retryAfterSeconds: number | null = null): string {
  const name = provider ? PROVIDERS[provider].name : 'The provider';
  switch (code) {
    case 'invalid_key':
      return byok
        ? `${name} rejected your workspace's key. The key is marked failing in Settings → API Keys: an owner should replace it.`
        : `${name} rejected the platform's credentials. Try another model; we have been alerted.`;
    case 'permission_denied':
    case 'no_credit':
      return byok ? outcomeMessage(code, provider ?? 'openai') : `${name} refused the platform's request. Try another model.`;
    case 'rate_limited':
      return byok
        ? `${name} is rate-limiting your key${retryAfterSeconds ? `: try again in about ${Math.ceil(retryAfterSeconds)} s` : ': try again shortly'}.`
        : `${name} is busy${retryAfterSeconds ? `: try again in about ${Math.ceil(retryAfterSeconds)} s` : ': try again shortly'}.`;
    case 'model_unavailable':
      return `${name} does not offer this model${byok ? ' to your key' : ''} any more. Pick another model.`;
    case 'provider_unavailable':
      return `${name} did not respond. Nothing was charged for the failed step; try again in a few minutes.`;
    case 'stream_interrupted':
      return `${name} stopped in the middle of the script. The partial text is kept; nothing was charged for the failed step. Try again.`;
    case 'key_unreadable':
      return 'This key can no longer be read. An owner should re-enter it in Settings → API Keys.';
    case 'key_paused':
      return 'An owner paused this key while the run waited. Nothing was charged for the step.';
    case 'plan_changed':
      return 'This workspace’s plan no longer includes its own keys, so the run stopped before calling the provider. Nothing was charged; pick a platform model.';
    case 'master_key_unavailable':
      return 'Your key could not be unlocked because the encryption key service is unavailable. Nothing was charged; try again in a minute.';
    case 'cancelled':
      return 'Cancelled. Unused credits were returned.';
    case 'image_failed':
      return 'The images could not be made. Their credits were returned; try again.';
    case 'interrupted':
      return 'The server stopped during this run. Its reserved credits were returned.';
    case 'internal_error':
      return 'Something went wrong during this run. Its reserved credits were returned; try again.';
    default:
      return 'The run failed. Try again.';
  }
}
