import 'server-only';
// AI SDK v6 image models, one per call, with an explicit key and base URL (never the SDK's
// environment fallbacks, never a string model id that would route through a gateway).
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import type { ImageModel } from 'ai';
import type { ProviderId } from '~/lib/providers';
import { isModelId } from '~/lib/schemas/ids';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { log } from '~/server/log';
import { providerBaseUrl } from '~/server/providers/config';

// No redirects: a redirect could carry the key to another host.
const guardedFetch: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'error' });

// The endpoints of one Google model that the SDK calls: text (plain and streamed) and images (Gemini
// image models generate content, Imagen predicts).
const GOOGLE_MODEL_METHODS = ['generateContent', 'streamGenerateContent', 'predict'];

/**
 * Google's API puts the model id in the URL path, and the SDK inserts it unencoded. Beyond the id's own
 * pattern, this fetch sends the key only to that model's own endpoints on the configured host: any other
 * URL (another path reached through the id, or a change in the SDK) is refused before a byte leaves.
 */
export function modelPathFetch(baseURL: string, modelId: string): typeof fetch {
  const base = new URL(baseURL);
  const prefix = base.pathname.replace(/\/+$/, '');
  const allowed = new Set(GOOGLE_MODEL_METHODS.map((m) => `${prefix}/models/${modelId}:${m}`));
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== base.origin || !allowed.has(url.pathname)) {
      log.error({ provider: 'google' }, 'refused a provider request outside the model’s endpoints');
      return Promise.reject(new Error('Refused: the request is not for the model’s own endpoint'));
    }
    return guardedFetch(input, init);
  };
}

/** Model ids go into request bodies, and for Google into URLs: only the strict pattern ever gets that far. */
export function requireModelId(modelId: string): string {
  if (!isModelId(modelId)) throw new AppError('BAD_REQUEST', 'Invalid model id', 'invalid_model');
  return modelId;
}

export function requireKey(apiKey: string | undefined): string {
  // An undefined key would make the SDK read OPENAI_API_KEY & co. from the environment.
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new AppError('SERVICE_UNAVAILABLE', 'No credential is configured for this model.', 'no_credential');
  }
  return apiKey;
}

export function imageModelFor(provider: 'openai' | 'google', apiKey: string, modelId: string): ImageModel {
  const key = requireKey(apiKey);
  requireModelId(modelId);
  const baseURL = providerBaseUrl(provider);
  return provider === 'openai'
    ? createOpenAI({ apiKey: key, baseURL, fetch: guardedFetch }).image(modelId)
    : createGoogleGenerativeAI({ apiKey: key, baseURL, fetch: modelPathFetch(baseURL, modelId) }).image(modelId);
}

/** The platform's own key for a provider (managed steps and images); undefined when not configured. */
export function platformKey(provider: ProviderId): string | undefined {
  const env = serverEnv();
  return {
    anthropic: env.PLATFORM_ANTHROPIC_API_KEY,
    openai: env.PLATFORM_OPENAI_API_KEY,
    google: env.PLATFORM_GOOGLE_API_KEY,
    xai: env.PLATFORM_XAI_API_KEY,
    mistral: env.PLATFORM_MISTRAL_API_KEY,
  }[provider];
}
