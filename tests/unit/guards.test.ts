// The request guards and response headers of src/server/http/guards.ts.
import { describe, expect, it } from 'vitest';
import { HSTS, isCrossSiteRequest, isTrustedProxy, responseHeaders, SECURITY_HEADERS } from '~/server/http/guards';

describe('isCrossSiteRequest', () => {
  const req = (headers: Record<string, string>) => ({ host: 'app.example:3000', ...headers });

  it('believes X-Forwarded-Host only from a trusted proxy', () => {
    const forged = req({ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' });
    expect(isCrossSiteRequest(forged, { viaTrustedProxy: false })).toBe(true);
    expect(isCrossSiteRequest(forged, { viaTrustedProxy: true })).toBe(false);
    // Behind a proxy, the host the browser used is the forwarded one (the first of a chain).
    const proxied = { host: '10.0.0.7:3000', origin: 'https://app.example', 'x-forwarded-host': 'app.example, inner.local' };
    expect(isCrossSiteRequest(proxied, { viaTrustedProxy: true })).toBe(false);
    expect(isCrossSiteRequest(proxied, { viaTrustedProxy: false })).toBe(true);
  });

  it('still compares Origin with Host, and trusts Sec-Fetch-Site', () => {
    expect(isCrossSiteRequest(req({ origin: 'http://app.example:3000' }), { viaTrustedProxy: false })).toBe(false);
    expect(isCrossSiteRequest(req({ origin: 'http://other.example:3000' }), { viaTrustedProxy: false })).toBe(true);
    expect(isCrossSiteRequest(req({ 'sec-fetch-site': 'cross-site' }), { viaTrustedProxy: true })).toBe(true);
    expect(isCrossSiteRequest(req({ origin: 'not a url' }), { viaTrustedProxy: false })).toBe(true);
    expect(isCrossSiteRequest(req({}), { viaTrustedProxy: false })).toBe(false);
  });
});

describe('isTrustedProxy', () => {
  it('matches addresses and CIDR ranges of TRUSTED_PROXIES, IPv4 and IPv6', () => {
    const list = ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'];
    expect(isTrustedProxy('10.1.2.3', list)).toBe(true);
    expect(isTrustedProxy('::ffff:10.1.2.3', list)).toBe(true);
    expect(isTrustedProxy('192.0.2.7', list)).toBe(true);
    expect(isTrustedProxy('192.0.2.8', list)).toBe(false);
    expect(isTrustedProxy('fd12::1', list)).toBe(true);
    expect(isTrustedProxy('2001:db8::1', list)).toBe(false);
    expect(isTrustedProxy('10.1.2.3', undefined)).toBe(false);
    expect(isTrustedProxy(undefined, list)).toBe(false);
    expect(isTrustedProxy('not-an-ip', list)).toBe(false);
  });
});

describe('responseHeaders', () => {
  it('adds Strict-Transport-Security when the app is served over https, and only then', () => {
    expect(responseHeaders('https://app.example')).toEqual({ ...SECURITY_HEADERS, 'Strict-Transport-Security': HSTS });
    expect(responseHeaders('http://localhost:3000')).toEqual(SECURITY_HEADERS);
    expect(HSTS).toBe('max-age=31536000; includeSubDomains');
  });
});
