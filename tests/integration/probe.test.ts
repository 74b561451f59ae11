import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, type ProviderId } from '~/lib/providers';
import { probeKey } from '~/server/providers/probe';
import { canaryKey } from '../helpers/canary';
import { fakeRequests, keyFingerprint, redirectKeyTo } from '../helpers/fake-providers';

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

  it('does not follow a redirect: the server it points at never hears from us', async () => {
    // A live server that records every request, where a followed redirect would land (with the key).
    const hits: string[] = [];
    const elsewhere = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    try {
      const k = key(provider, 'redirect');
      await redirectKeyTo(k, `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`);
      const r = await probeKey(provider, k);
      expect(r.outcome).toBe('provider_unavailable');
      expect(hits).toEqual([]);
    } finally {
      await new Promise((r) => elsewhere.close(r));
    }
  });
});

describe('probe deadline', () => {
  it('gives up on a provider that never answers, by its own timeout, with no caller signal', async () => {
    const k = key('openai', 'hang');
    const started = performance.now();
    const r = await probeKey('openai', k, { timeoutMs: 300 });
    const took = performance.now() - started;
    expect(r.outcome).toBe('provider_unavailable');
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(5_000);
    // The hanging request was closed by us, not left open.
    await expect.poll(async () => (await fakeRequests()).filter((q) => q.keyFingerprint === keyFingerprint(k)).map((q) => q.clientAborted)).toEqual([true]);
  });

  it("also stops when the caller's signal aborts first", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const r = await probeKey('openai', key('openai', 'hang'), { signal: controller.signal, timeoutMs: 10_000 });
    expect(r.outcome).toBe('provider_unavailable');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
