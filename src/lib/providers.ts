// The five providers a workspace can bring keys for (PRODUCT.md "Providers"). Browser-safe and zod-free
// (see schemas/enums.ts).
export const PROVIDER_IDS = ['anthropic', 'openai', 'google', 'xai', 'mistral'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const PROVIDERS: Record<ProviderId, { name: string; keyHint: string; consoleUrl: string }> = {
  anthropic: { name: 'Anthropic', keyHint: 'sk-ant-api03-…', consoleUrl: 'https://console.anthropic.com/settings/keys' },
  openai: { name: 'OpenAI', keyHint: 'sk-… (sk-proj-…)', consoleUrl: 'https://platform.openai.com/api-keys' },
  google: { name: 'Google', keyHint: 'AQ.… or AIza…', consoleUrl: 'https://aistudio.google.com/apikey' },
  xai: { name: 'xAI', keyHint: 'xai-…', consoleUrl: 'https://console.x.ai/' },
  mistral: { name: 'Mistral', keyHint: '32 letters and digits', consoleUrl: 'https://console.mistral.ai/api-keys/' },
};

/** What a probe (or a run) can conclude about a key. */
export const KEY_OUTCOMES = [
  'valid',
  'invalid_key',
  'permission_denied',
  'no_credit',
  'rate_limited',
  'provider_unavailable',
  'model_unavailable',
  'malformed_key',
] as const;
export type KeyOutcome = (typeof KEY_OUTCOMES)[number];

/** Owner-facing, actionable explanations. Written by us: never a provider's text. */
export function outcomeMessage(outcome: KeyOutcome, provider: ProviderId, retryAfterSeconds?: number | null): string {
  const name = PROVIDERS[provider].name;
  switch (outcome) {
    case 'valid':
      return `${name} accepted the key.`;
    case 'invalid_key':
      return `${name} rejected this key: it is invalid, expired or revoked. Create a new key in the ${name} console and paste it here.`;
    case 'permission_denied':
      return `${name} recognised the key, but it is not allowed to generate text (missing permission, scope, project or region access). Give the key model access in the ${name} console, or use another key.`;
    case 'no_credit':
      return `${name} recognised the key, but the account has no credit or quota left. Add billing or credit in the ${name} console, then try again.`;
    case 'rate_limited':
      return `${name} is rate-limiting this key right now${retryAfterSeconds ? `; try again in about ${Math.ceil(retryAfterSeconds)} s` : '; try again shortly'}.`;
    case 'provider_unavailable':
      return `We could not reach ${name} to check the key (the service is down, overloaded or timed out). Nothing was saved; try again in a few minutes.`;
    case 'model_unavailable':
      return `${name} accepted the key, but none of its text models answered. Check the key's model access in the ${name} console.`;
    case 'malformed_key':
      return `That does not look like an API key: paste the key exactly as the ${name} console shows it, with no spaces or line breaks.`;
  }
}
