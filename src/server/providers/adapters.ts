import 'server-only';
// One adapter per provider behind one interface: how to authenticate, list models (normalised for
// "My models"), choose a cheap probe model and send a one-token request. The key only ever goes in
// a header; base URLs come from server configuration.
import type { ProviderId } from '~/lib/providers';
import { isModelId } from '~/lib/schemas/ids';
import { providerBaseUrl } from '~/server/providers/config';
import { type HttpResult, providerFetch } from '~/server/providers/http';

export type DiscoveredModel = { id: string; displayName: string; contextWindow: number | null };

export type ListOutcome = { ok: true; models: DiscoveredModel[] } | { ok: false; response: HttpResult };

export interface ProviderAdapter {
  id: ProviderId;
  authHeaders(key: string): Record<string, string>;
  listModels(key: string, signal?: AbortSignal): Promise<ListOutcome>;
  /** Cheapest text models first, from the key's own list (never a hard-coded id). */
  probeCandidates(models: DiscoveredModel[]): string[];
  oneTokenRequest(key: string, model: string, signal?: AbortSignal): Promise<HttpResult>;
}

const ok = (r: HttpResult) => r.status >= 200 && r.status < 300;
const MAX_PAGES = 10;

function rank(models: DiscoveredModel[], preferences: RegExp[]): string[] {
  const picked: string[] = [];
  for (const p of preferences) for (const m of models) if (p.test(m.id) && !picked.includes(m.id)) picked.push(m.id);
  for (const m of models) if (!picked.includes(m.id)) picked.push(m.id);
  return picked;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Only ids of the one model-id pattern are kept from a provider's list: they are stored, offered in the
 * picker and later sent back (for Google, inside a URL path), so an odd id a provider lists is dropped here.
 */
function ourModelIds(models: DiscoveredModel[]): DiscoveredModel[] {
  return models.filter((m) => isModelId(m.id));
}

const anthropic: ProviderAdapter = {
  id: 'anthropic',
  authHeaders: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
  async listModels(key, signal) {
    const base = providerBaseUrl('anthropic');
    const models: (DiscoveredModel & { createdAt: string })[] = [];
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams({ limit: '100', ...(after ? { after_id: after } : {}) });
      const r = await providerFetch(`${base}/models?${q}`, { headers: this.authHeaders(key), signal });
      if (!ok(r)) return { ok: false, response: r };
      const body = (r.json ?? {}) as { data?: Record<string, unknown>[]; has_more?: boolean; last_id?: string };
      for (const m of body.data ?? []) {
        if (typeof m.id !== 'string') continue;
        models.push({
          id: m.id,
          displayName: typeof m.display_name === 'string' ? m.display_name : m.id,
          contextWindow: num(m.max_input_tokens),
          createdAt: typeof m.created_at === 'string' ? m.created_at : '',
        });
      }
      if (!body.has_more || !body.last_id) break;
      after = body.last_id;
    }
    return { ok: true, models: ourModelIds(models.map(({ createdAt: _c, ...m }) => m)) };
  },
  probeCandidates: (models) => rank(models, [/haiku/]),
  oneTokenRequest(key, model, signal) {
    return providerFetch(`${providerBaseUrl('anthropic')}/messages`, {
      method: 'POST',
      headers: this.authHeaders(key),
      body: { model, max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] },
      signal,
    });
  },
};

// Heuristic filter for chat models in OpenAI's mixed list (reference/providers.md §4.2).
const OPENAI_CHAT = /^(gpt-|o\d|chatgpt-)/;
const OPENAI_NOT_CHAT = /embedding|whisper|tts|transcribe|audio|realtime|image|dall-e|moderation|search|instruct|davinci|babbage/;

function openAiCompatible(id: 'openai' | 'xai' | 'mistral'): Pick<ProviderAdapter, 'authHeaders' | 'oneTokenRequest'> {
  return {
    authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
    oneTokenRequest(key, model, signal) {
      const cap = id === 'openai' ? { max_completion_tokens: 1 } : { max_tokens: 1 };
      return providerFetch(`${providerBaseUrl(id)}/chat/completions`, {
        method: 'POST',
        headers: this.authHeaders(key),
        body: { model, messages: [{ role: 'user', content: 'hi' }], ...cap },
        signal,
      });
    },
  };
}

const openai: ProviderAdapter = {
  id: 'openai',
  ...openAiCompatible('openai'),
  async listModels(key, signal) {
    const r = await providerFetch(`${providerBaseUrl('openai')}/models`, { headers: this.authHeaders(key), signal });
    if (!ok(r)) return { ok: false, response: r };
    const data = ((r.json ?? {}) as { data?: { id?: unknown }[] }).data ?? [];
    const models = data
      .map((m) => m.id)
      .filter((id): id is string => typeof id === 'string' && OPENAI_CHAT.test(id) && !OPENAI_NOT_CHAT.test(id))
      .sort()
      .map((id) => ({ id, displayName: id, contextWindow: null }));
    return { ok: true, models: ourModelIds(models) };
  },
  probeCandidates: (models) => rank(models, [/nano/, /mini/]),
};

const GOOGLE_NOT_TEXT = /embedding|image|tts|live|aqa/;

const google: ProviderAdapter = {
  id: 'google',
  authHeaders: (key) => ({ 'x-goog-api-key': key }),
  async listModels(key, signal) {
    const base = providerBaseUrl('google');
    const models: DiscoveredModel[] = [];
    let token: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams({ pageSize: '1000', ...(token ? { pageToken: token } : {}) });
      const r = await providerFetch(`${base}/models?${q}`, { headers: this.authHeaders(key), signal });
      if (!ok(r)) return { ok: false, response: r };
      const body = (r.json ?? {}) as { models?: Record<string, unknown>[]; nextPageToken?: string };
      for (const m of body.models ?? []) {
        const id = typeof m.name === 'string' ? m.name.replace(/^models\//, '') : null;
        const methods = Array.isArray(m.supportedGenerationMethods) ? m.supportedGenerationMethods : [];
        if (!id || !methods.includes('generateContent') || GOOGLE_NOT_TEXT.test(id)) continue;
        models.push({ id, displayName: typeof m.displayName === 'string' ? m.displayName : id, contextWindow: num(m.inputTokenLimit) });
      }
      if (!body.nextPageToken) break;
      token = body.nextPageToken;
    }
    return { ok: true, models: ourModelIds(models) };
  },
  probeCandidates: (models) => rank(models, [/flash-lite/, /flash/]),
  oneTokenRequest(key, model, signal) {
    return providerFetch(`${providerBaseUrl('google')}/models/${encodeURIComponent(model)}:generateContent`, {
      method: 'POST',
      headers: this.authHeaders(key),
      body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 1 } },
      signal,
    });
  },
};

const xai: ProviderAdapter = {
  id: 'xai',
  ...openAiCompatible('xai'),
  async listModels(key, signal) {
    const base = providerBaseUrl('xai');
    // The key-info endpoint is free and says whether the key or its team is blocked.
    const info = await providerFetch(`${base}/api-key`, { headers: this.authHeaders(key), signal });
    if (!ok(info)) return { ok: false, response: info };
    const flags = (info.json ?? {}) as { api_key_blocked?: boolean; api_key_disabled?: boolean; team_blocked?: boolean };
    if (flags.api_key_blocked || flags.api_key_disabled) {
      return { ok: false, response: { ...info, status: 401, json: { error: 'Incorrect API key provided' }, text: '' } };
    }
    if (flags.team_blocked) return { ok: false, response: { ...info, status: 403, json: { error: 'team blocked' }, text: '' } };
    const r = await providerFetch(`${base}/language-models`, { headers: this.authHeaders(key), signal });
    if (!ok(r)) return { ok: false, response: r };
    const list = ((r.json ?? {}) as { models?: { id?: unknown; output_modalities?: unknown }[] }).models ?? [];
    const models = list
      .filter((m) => typeof m.id === 'string' && (!Array.isArray(m.output_modalities) || m.output_modalities.includes('text')))
      .map((m) => ({ id: m.id as string, displayName: m.id as string, contextWindow: null }));
    return { ok: true, models: ourModelIds(models) };
  },
  probeCandidates: (models) => rank(models, [/mini/, /fast/]),
};

const mistral: ProviderAdapter = {
  id: 'mistral',
  ...openAiCompatible('mistral'),
  async listModels(key, signal) {
    const r = await providerFetch(`${providerBaseUrl('mistral')}/models`, { headers: this.authHeaders(key), signal });
    if (!ok(r)) return { ok: false, response: r };
    const data = ((r.json ?? {}) as { data?: Record<string, unknown>[] }).data ?? [];
    const seen = new Set<string>();
    const models: DiscoveredModel[] = [];
    for (const m of data) {
      const caps = (m.capabilities ?? {}) as { completion_chat?: boolean };
      if (typeof m.id !== 'string' || caps.completion_chat !== true || m.archived === true || seen.has(m.id)) continue;
      // Collapse aliases: the list holds both `…-latest` and dated ids for one model.
      seen.add(m.id);
      for (const a of Array.isArray(m.aliases) ? m.aliases : []) if (typeof a === 'string') seen.add(a);
      models.push({ id: m.id, displayName: typeof m.name === 'string' ? m.name : m.id, contextWindow: num(m.max_context_length) });
    }
    return { ok: true, models: ourModelIds(models) };
  },
  probeCandidates: (models) => rank(models, [/^mistral-small-latest$/, /small|ministral/]),
};

export const ADAPTERS: Record<ProviderId, ProviderAdapter> = { anthropic, openai, google, xai, mistral };
