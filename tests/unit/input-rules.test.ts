// The input rules defined once in src/lib/schemas: model ids and free text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANTHROPIC_MODELS, GOOGLE_MODELS, MISTRAL_MODELS, OPENAI_MODELS, XAI_MODELS } from '../../fake-providers/catalog';
import { ZGenerateInput } from '~/lib/generation';
import { ZKeyLabel } from '~/lib/keys';
import { ZModelId, ZProviderModelId } from '~/lib/schemas/ids';
import { lineText } from '~/lib/schemas/text';

describe('model ids', () => {
  it('admits every id the fake providers list, the platform catalog and OpenAI fine-tunes', () => {
    const catalog = readFileSync(new URL('../../prisma/migrations/20261122225802_models_and_tiers/migration.sql', import.meta.url), 'utf8');
    const platform = [...catalog.matchAll(/\('[a-z]+:[^']+', '[a-z]+', '([^']+)'/g)].map((m) => m[1]!);
    expect(platform.length).toBeGreaterThanOrEqual(14);
    const ids = [
      ...platform,
      ...ANTHROPIC_MODELS.map((m) => m.id), ...OPENAI_MODELS.map((m) => m.id), ...GOOGLE_MODELS.map((m) => m.baseModelId),
      ...XAI_MODELS.map((m) => m.id), ...MISTRAL_MODELS.map((m) => m.id),
      'ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9abcDEF1', 'ft:open-mistral-7b:587a6b29:20240514:7e773925',
    ];
    for (const id of ids) expect(ZModelId.safeParse(id).success, id).toBe(true);
    expect(ZModelId.parse(`a${'b'.repeat(127)}`)).toHaveLength(128);
  });

  it('refuses anything that could become another URL path or needs escaping', () => {
    for (const id of ['../../anthropic/v1/x', 'models/gemini-2.5-pro', 'tunedModels/x', '..', '.hidden', '-flag', 'gemini 2.5', 'gemini%2F..', 'a?b', 'a#b', 'gpt\u0000', 'gpt\u202e', '', `a${'b'.repeat(128)}`]) {
      const r = ZModelId.safeParse(id);
      expect(r.success, id).toBe(false);
      if (!r.success) expect(JSON.stringify(r.error.issues)).not.toContain('anthropic/v1');
    }
  });

  it('accepts the seed’s provider/model form only with a known provider', () => {
    expect(ZProviderModelId.safeParse('google/gemini-2.5-pro').success).toBe(true);
    expect(ZProviderModelId.safeParse('gemini-2.5-pro').success).toBe(true);
    for (const id of ['evil/gemini-2.5-pro', 'google/../x', 'google/models/x', 'google/']) expect(ZProviderModelId.safeParse(id).success, id).toBe(false);
  });
});

describe('free text', () => {
  const prompt = (p: string) => ZGenerateInput.safeParse({ prompt: p });

  it('keeps line breaks and tabs in prompts and refuses NUL and other control characters', () => {
    expect(prompt('Scene 1:\n\tA fox\r\nScene 2: 春眠不覚暁 👩‍💻 مرحبا').success).toBe(true);
    for (const bad of ['a\u0000b', 'a\u001bb', 'a\u0007b', 'a\u007fb', 'a\u0085b', 'a\ud800b']) {
      const r = prompt(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      if (!r.success) expect(r.error.issues[0]!.message).toMatch(/control characters/);
    }
  });

  it('refuses controls, format characters and line breaks in names and labels', () => {
    const name = lineText({ max: 60 });
    expect(name.safeParse('Ünïcode Labs 2').success).toBe(true);
    for (const bad of ['a\u0000', 'a\nb', 'a\tb', 'a\u202eb', 'a\u200bb', '\u001b[31mred']) {
      expect(name.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
      expect(ZKeyLabel.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
