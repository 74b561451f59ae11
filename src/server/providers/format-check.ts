import 'server-only';
// The shape check that runs before any network call (reference/providers.md §2). It rejects only
// what cannot be a key; an unusual shape is a warning, because formats change and the probe decides.
import { PROVIDERS, type ProviderId } from '~/lib/providers';

export type FormatCheck =
  | { ok: true; key: string; warnings: string[] }
  | { ok: false; reason: 'malformed_key'; message: string };

const OTHER_PROVIDER_PREFIXES: { prefix: string; provider: ProviderId }[] = [
  { prefix: 'sk-ant-', provider: 'anthropic' },
  { prefix: 'xai-', provider: 'xai' },
  { prefix: 'AIza', provider: 'google' },
  { prefix: 'AQ.', provider: 'google' },
  { prefix: 'sk-', provider: 'openai' },
];

function looksLikeProvider(key: string): ProviderId | null {
  return OTHER_PROVIDER_PREFIXES.find((p) => key.startsWith(p.prefix))?.provider ?? null;
}

export function checkKeyFormat(provider: ProviderId, raw: string): FormatCheck {
  const key = raw.trim();
  const bad = (message: string): FormatCheck => ({ ok: false, reason: 'malformed_key', message });
  if (key.length === 0) return bad('Paste the API key.');
  if (key.length > 512) return bad('That is too long to be an API key.');
  if (/^bearer\b/i.test(key)) return bad('Paste only the key, without "Bearer".');
  if (/\s/.test(key)) return bad('An API key has no spaces or line breaks: paste it again exactly as shown.');
  if (key.includes('…') || /\*{3,}/.test(key)) return bad('That is a masked key. Paste the full key from the provider console.');
  if (/[^\x21-\x7e]/.test(key)) return bad('An API key contains only printable ASCII characters.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key)) return bad('That is a URL, not an API key.');
  if (provider === 'anthropic' && key.startsWith('sk-ant-oat01-')) {
    return bad('That is a Claude subscription token, not an API key. Create an API key in the Anthropic console.');
  }

  const warnings: string[] = [];
  const seemsFrom = looksLikeProvider(key);
  if (seemsFrom && seemsFrom !== provider) warnings.push(`This looks like a ${PROVIDERS[seemsFrom].name} key.`);
  switch (provider) {
    case 'anthropic':
      if (key.startsWith('sk-ant-admin01-')) warnings.push('This is an Admin API key; it cannot generate text.');
      else if (!key.startsWith('sk-ant-')) warnings.push('Anthropic keys usually start with sk-ant-api03-.');
      break;
    case 'openai':
      if (key.startsWith('sk-admin-')) warnings.push('This is an admin key; it cannot generate text.');
      else if (!key.startsWith('sk-')) warnings.push('OpenAI keys usually start with sk-.');
      break;
    case 'google':
      if (key.startsWith('AIza')) warnings.push('Google is retiring this key type; create a new key in AI Studio if the check fails.');
      else if (!key.startsWith('AQ.')) warnings.push('Google AI Studio keys usually start with AQ.');
      break;
    case 'xai':
      if (!key.startsWith('xai-')) warnings.push('xAI keys usually start with xai-.');
      break;
    case 'mistral':
      if (!/^[A-Za-z0-9]{32}$/.test(key)) warnings.push('Mistral keys are usually 32 letters and digits.');
      break;
  }
  return { ok: true, key, warnings };
}
