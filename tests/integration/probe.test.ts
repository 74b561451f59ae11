import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, type ProviderId } from '~/lib/providers';
import { probeKey } from '~/server/providers/probe';
import { canaryKey } from '../helpers/canary';
import { fakeRequests, keyFingerprint } from '../helpers/fake-providers';

const PREFIX: Record<ProviderId, string> = {
  anthropic: 'sk-ant-api03-',
  openai: 'sk-proj-',
  google: 'AQ.',
  xai: 'xai-',
  mistral: 'M',
};
const key = (p: ProviderId, scenario = '') => canaryKey(PREFIX[p]) + (scenario ? `-${scenario}` : '');

describe.each(PROVIDER_IDS)('probe against the %s wire protocol', (provider) => {
  it('accepts a working key and returns the text models it can use', async () => {
    const k = key(provider);
    const r = await probeKey(provider, k);
    expect(r.outcome).toBe('valid');
    if (r.outcome !== 'valid') return;
    expect(r.models.length).toBeGreaterThan(0);
    expect(r.models.map((m) => m.id).join(' ')).not.toMatch(/embed|image|whisper|tts|live/);
    // The key went only in a header, never in a URL, and the probe spent one token on a listed model.
    const mine = (await fakeRequests()).filter((q) => q.keyFingerprint === keyFingerprint(k));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((q) => !q.keyInUrl && q.authHeader !== null)).toBe(true);
    expect(r.models.map((m) => m.id)).toContain(r.probeModel);
  });

  it.each([
    ['invalid', 'invalid_key'],
    ['noperm', 'permission_denied'],
    ['nocredit', 'no_credit'],
    ['ratelimit', 'rate_limited'],
    ['down', 'provider_unavailable'],
    ['echo', 'invalid_key'],
  ] as const)('classifies a "%s" key as %s', async (scenario, outcome) => {
    const r = await probeKey(provider, key(provider, scenario));
    expect(r.outcome).toBe(outcome);
    expect(JSON.stringify(r)).not.toContain('canary');
  });

  it('reports the retry time the provider gives when rate limited', async () => {
    const r = await probeKey(provider, key(provider, 'ratelimit'));
    expect(r.outcome).toBe('rate_limited');
    if (r.outcome === 'rate_limited') expect(r.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('moves on to the next cheap model when the first is retired, never calling it an invalid key', async () => {
    const r = await probeKey(provider, key(provider, 'modelgone'));
    expect(r.outcome).toBe('valid');
  });

  it('does not follow a redirect', async () => {
    const r = await probeKey(provider, key(provider, 'redirect'));
    expect(r.outcome).toBe('provider_unavailable');
  });
});

describe('probe limits', () => {
  it('gives up on a provider that never answers', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await probeKey('openai', key('openai', 'hang'), controller.signal);
    expect(r.outcome).toBe('provider_unavailable');
  });
});
