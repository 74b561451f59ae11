import 'server-only';
// What a key must pass before anything is stored: its label, its shape, the probe's verdict and, when a
// caller names a model, that the key offers it. Each check throws a clear AppError and never repeats the
// key.
import { ZKeyLabel } from '~/lib/schemas/keys';
import type { Tier } from '~/lib/schemas/models';
import { type ProviderId, outcomeMessage } from '~/lib/providers';
import { AppError } from '~/server/errors';
import { checkKeyFormat } from '~/server/providers/format-check';
import type { ProbeResult } from '~/server/providers/probe';

export function parseLabel(label: string): string {
  const r = ZKeyLabel.safeParse(label);
  if (!r.success) throw new AppError('BAD_REQUEST', r.error.issues[0]?.message ?? 'Invalid label', 'invalid_label');
  return r.data;
}

export function labelTaken(label: string): AppError {
  return new AppError('CONFLICT', `This provider already has a key labelled "${label}". Choose another label, or replace that key.`, 'label_taken');
}

/** The shape check before any probe: a clear 400 for what cannot be a key, warnings otherwise. */
export function checkedKey(provider: ProviderId, apiKey: string): { key: string; warnings: string[] } {
  const f = checkKeyFormat(provider, apiKey);
  if (!f.ok) throw new AppError('BAD_REQUEST', f.message, 'malformed_key', { outcome: 'malformed_key' });
  return { key: f.key, warnings: f.warnings };
}

/** A failed probe as an error: 422 when the provider refused the key, 503 when it could not be asked. */
export function probeFailure(provider: ProviderId, r: Exclude<ProbeResult, { outcome: 'valid' }>): AppError {
  const transient = r.outcome === 'rate_limited' || r.outcome === 'provider_unavailable';
  return new AppError(
    transient ? 'SERVICE_UNAVAILABLE' : 'UNPROCESSABLE_CONTENT',
    outcomeMessage(r.outcome, provider, r.retryAfterSeconds),
    r.outcome,
    { outcome: r.outcome, retryAfterSeconds: r.retryAfterSeconds },
  );
}

/** Refuses, before anything is stored, a key that does not offer `model` (given the key's model ids). */
export function assertOffersModel(modelIds: string[], model: string | undefined) {
  if (model && !modelIds.includes(model)) {
    throw new AppError('BAD_REQUEST', 'The key does not offer that model. Pick one of the models the key can use.', 'model_unavailable', {
      available: modelIds.slice(0, 50),
    });
  }
}

/**
 * A tier to point at the key in the same write that stores it (the AI config's "store the key and use it
 * for Standard" is one write). `model` picks the tier's model from the models the probe found.
 */
export type PointTier = { tier: Tier; model: (offered: string[]) => string };

/** The tier and model `point` asks for, checked against what the key offers. */
export function chosenModel(point: PointTier | undefined, offered: string[]): { tier: Tier; modelId: string } | null {
  if (!point) return null;
  const modelId = point.model(offered);
  assertOffersModel(offered, modelId);
  return { tier: point.tier, modelId };
}
