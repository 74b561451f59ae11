import { describe, expect, it } from 'vitest';
import { modelName, modelNameById, readableModelId } from '~/lib/model-names';
import type { Catalog } from '~/lib/schemas/models';

const catalog: Catalog = {
  platformModels: [{ id: 'openai:gpt-4.1-mini', provider: 'openai', modelId: 'gpt-4.1-mini', displayName: 'GPT-4.1 mini', tiers: ['fast'], creditsPer1kInput: 1, creditsPer1kOutput: 2 }],
  myModels: [{
    keyId: 'k1', provider: 'anthropic', label: 'primary', maskedHint: 'sk-a…AbCd', status: 'active',
    models: [{ modelId: 'claude-3-5-haiku-20241022', displayName: 'Claude Haiku 3.5', available: true, contextWindow: 200_000 }],
  }],
  imageCreditsPerImage: 4,
};

describe('model names', () => {
  it('reads ids the way providers name them', () => {
    expect(readableModelId('gpt-4.1-nano')).toBe('GPT-4.1 nano');
    expect(readableModelId('gpt-image-1-mini')).toBe('GPT Image 1 mini');
    expect(readableModelId('mistral-small-latest')).toBe('Mistral Small');
    expect(readableModelId('grok-3-mini')).toBe('Grok 3 mini');
    expect(readableModelId('claude-3-5-haiku-20241022')).toBe('Claude 3.5 Haiku');
    expect(readableModelId('o4-mini')).toBe('o4-mini');
  });

  it('gives one name everywhere: the picker, a run step and the history agree', () => {
    // A run step knows only the provider and the id; the picker had the key's list entry.
    expect(modelName(catalog, 'anthropic', 'claude-3-5-haiku-20241022')).toBe('Claude Haiku 3.5');
    expect(modelName(catalog, 'anthropic', 'claude-3-5-haiku-20241022', 'Claude Haiku 3.5')).toBe('Claude Haiku 3.5');
    expect(modelNameById(catalog, 'claude-3-5-haiku-20241022')).toBe('Claude Haiku 3.5');
    // The platform catalog's name wins, for the same model through a key too.
    expect(modelName(catalog, 'openai', 'gpt-4.1-mini', 'gpt-4.1-mini')).toBe('GPT-4.1 mini');
    expect(modelNameById(catalog, 'gpt-4.1-mini')).toBe('GPT-4.1 mini');
  });
});
