// One name for a model everywhere (the picker, its chosen value, tier defaults, runs and history).
// Browser-safe and zod-free. Order: the platform catalog's name for the same provider and model; the
// provider's own display name when it gave one; otherwise a readable form of the id.
import type { Catalog } from '~/lib/models';
import type { ProviderId } from '~/lib/providers';

const LOWER_WORDS = new Set(['mini', 'nano', 'lite', 'preview']);
const DATE_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

/** `gpt-4.1-nano` → "GPT-4.1 nano", `mistral-small-latest` → "Mistral Small", `grok-3-mini` → "Grok 3 mini". */
export function readableModelId(modelId: string): string {
  const id = modelId.replace(DATE_SUFFIX, '').replace(/-latest$/, '');
  const parts = id.split('-').filter(Boolean);
  if (parts[0] === 'gpt' && parts[1]) {
    return [`GPT-${parts[1]}`, ...parts.slice(2)].join(' ');
  }
  if (/^o\d/.test(id)) return id; // OpenAI's o-series are named by their id
  return parts
    .map((p, i) => (i > 0 && LOWER_WORDS.has(p) ? p : /^[a-z]/.test(p) ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join(' ');
}

export function modelName(
  catalog: Pick<Catalog, 'platformModels'> | null,
  provider: ProviderId | string,
  modelId: string,
  providerDisplayName?: string | null,
): string {
  const platform = catalog?.platformModels.find((m) => m.provider === provider && m.modelId === modelId);
  if (platform) return platform.displayName;
  if (providerDisplayName && providerDisplayName !== modelId) return providerDisplayName;
  return readableModelId(modelId);
}

/** "128K", "1M": a context window as people say it. */
export function contextSize(tokens: number | null | undefined): string | null {
  if (!tokens || tokens <= 0) return null;
  if (tokens >= 1_000_000) return `${+(tokens / 1_000_000).toFixed(1)}M`;
  return `${Math.round(tokens / 1000)}K`;
}

/** For records that kept only the model id (the run history): the catalog's name for it when it has one. */
export function modelNameById(catalog: Pick<Catalog, 'platformModels'> | null, modelId: string): string {
  return catalog?.platformModels.find((m) => m.modelId === modelId)?.displayName ?? readableModelId(modelId);
}
