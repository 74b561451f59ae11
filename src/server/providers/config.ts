import 'server-only';
import type { ProviderId } from '~/lib/providers';
import { serverEnv } from '~/server/env';

// Each base URL includes its version path. They come from server configuration only, never from a
// request, so a key can only ever travel to its own provider (or, in tests and the demo, its fake).
export const DEFAULT_BASE_URLS: Record<ProviderId, string> = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
  xai: 'https://api.x.ai/v1',
  mistral: 'https://api.mistral.ai/v1',
};

export function providerBaseUrl(provider: ProviderId): string {
  const env = serverEnv();
  const configured = {
    anthropic: env.ANTHROPIC_BASE_URL,
    openai: env.OPENAI_BASE_URL,
    google: env.GOOGLE_BASE_URL,
    xai: env.XAI_BASE_URL,
    mistral: env.MISTRAL_BASE_URL,
  }[provider];
  return (configured ?? DEFAULT_BASE_URLS[provider]).replace(/\/+$/, '');
}
