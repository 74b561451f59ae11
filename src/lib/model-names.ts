// One name for a model everywhere (the picker, its chosen value, tier defaults, runs and history).
// Browser-safe and zod-free. Order: the platform catalog's name for the same provider and model; the
// provider's own display name when it gave one; otherwise a readable form of the id.
import type { Catalog } from '~/lib/schemas/models';
import type { ProviderId } from '~/lib/providers';

const LOWER_WORDS = new Set(['mini', 'nano', 'lite', 'preview']);
const DATE_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

/** `gpt-4.1-nano` → "GPT-4.1 nano", `mistral-small-latest` → "Mistral Small", `grok-3-mini` → "Grok 3 mini". */
export function readableModelId(modelId: string): string {
  const id = modelId.replace(DATE_SUFFIX, '').replace(/-latest$/, '');
  // Single digits in a row are a version: claude-3-5-haiku → 3.5.
  const parts = id.split('-').filter(Boolean).reduce<string[]>((acc, p) => {
    const last = acc.at(-1);
    if (last !== undefined && /^\d(\.\d)*$/.test(last) && /^\d$/.test(p)) acc[acc.length - 1] = `${last}.${p}`;
    else acc.push(p);
    return acc;
  }, []);
  if (parts[0] === 'gpt' && parts[1] && /^\d/.test(parts[1])) {
    return [`GPT-${parts[1]}`, ...parts.slice(2)].join(' ');
  }
  if (/^o\d/.test(id)) return id; // OpenAI's o-series are named by their id
  return parts
    .map((p, i) => (p === 'gpt' ? 'GPT' : i > 0 && LOWER_WORDS.has(p) ? p : /^[a-z]/.test(p) ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join(' ');
}

type Names = Pick<Catalog, 'platformModels'> & Partial<Pick<Catalog, 'myModels'>>;

/** The display name the provider reported for this model through one of the workspace's keys, if any. */
function discoveredName(catalog: Names | null, provider: string | null, modelId: string): string | null {
  for (const g of catalog?.myModels ?? []) {
    if (provider && g.provider !== provider) continue;
    const m = g.models.find((x) => x.modelId === modelId && x.displayName !== modelId);
    if (m) return m.displayName;
  }
  return null;
}

export function modelName(catalog: Names | null, provider: ProviderId | string, modelId: string, providerDisplayName?: string | null): string {
  const platform = catalog?.platformModels.find((m) => m.provider === provider && m.modelId === modelId);
  if (platform) return platform.displayName;
  if (providerDisplayName && providerDisplayName !== modelId) return providerDisplayName;
  return discoveredName(catalog, provider, modelId) ?? readableModelId(modelId);
}

/** "128K", "1M": a context window as people say it. */
export function contextSize(tokens: number | null | undefined): string | null {
  if (!tokens || tokens <= 0) return null;
  if (tokens >= 1_000_000) return `${+(tokens / 1_000_000).toFixed(1)}M`;
  return `${Math.round(tokens / 1000)}K`;
}

/** For records that kept only the model id (the run history): the catalog's name for it when it has one. */
export function modelNameById(catalog: Names | null, modelId: string): string {
  return catalog?.platformModels.find((m) => m.modelId === modelId)?.displayName ?? discoveredName(catalog, null, modelId) ?? readableModelId(modelId);
}
