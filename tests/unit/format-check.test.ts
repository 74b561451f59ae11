import { describe, expect, it } from 'vitest';
import { checkKeyFormat } from '~/server/providers/format-check';

describe('key shape check', () => {
  it.each([
    ['', /Paste the API key/],
    ['sk-with space', /no spaces/],
    ['sk-line\nbreak', /no spaces/],
    ['sk-a…bCdE', /masked key/],
    ['sk-****abcd', /masked key/],
    ['Bearer sk-abc', /without "Bearer"/],
    ['https://example.test/key', /URL/],
    ['x'.repeat(513), /too long/],
    ['sk-\u0000abc', /printable/],
  ])('rejects %j', (key, message) => {
    const r = checkKeyFormat('openai', key);
    expect(r).toMatchObject({ ok: false, reason: 'malformed_key' });
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('rejects an Anthropic subscription token', () => {
    expect(checkKeyFormat('anthropic', 'sk-ant-oat01-abc').ok).toBe(false);
  });

  it.each([
    ['anthropic', 'sk-proj-abc', /OpenAI key/],
    ['openai', 'sk-ant-api03-abc', /Anthropic key/],
    ['mistral', 'xai-abc', /xAI key/],
    ['google', 'AIzaSyAbc', /retiring/],
    ['anthropic', 'sk-ant-admin01-abc', /Admin API key/],
    ['mistral', 'short', /32 letters/],
  ] as const)('only warns about an unusual %s shape', (provider, key, warning) => {
    const r = checkKeyFormat(provider, key);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings.join(' ')).toMatch(warning);
  });

  it('trims surrounding whitespace', () => {
    expect(checkKeyFormat('xai', '  xai-abc\n')).toEqual({ ok: true, key: 'xai-abc', warnings: [] });
  });
});
