// What every response carries, and the guards in front of the API: cookie-authenticated mutations must
// come from our own origin (CSRF) and carry JSON, and no API response may be cached or transformed.
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';

// `no-transform` also keeps any proxy's compression off API responses: compressing secrets next to
// echoed input is what BREACH exploits.
export const NO_STORE = 'no-store, max-age=0, no-transform';

/** On every response, pages and API alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

// A year, on the app's host and its subdomains: once a browser has seen the app over https it never
// makes a plain-HTTP request to it again, so no plain-HTTP hop can read or plant its session cookie.
export const HSTS = 'max-age=31536000; includeSubDomains';

/** What every response carries for this deployment: the headers above, and HSTS when APP_URL is https. */
export function responseHeaders(appUrl: string): Readonly<Record<string, string>> {
  return appUrl.startsWith('https://') ? { ...SECURITY_HEADERS, 'Strict-Transport-Security': HSTS } : SECURITY_HEADERS;
}

/** On API responses too (pages get a per-request CSP with a nonce from src/proxy.ts). */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': NO_STORE,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const trustedLists = new Map<string, BlockList>();

/** True when the connecting address is one of TRUSTED_PROXIES (IPs or CIDR ranges). */
export function isTrustedProxy(address: string | undefined, trustedProxies: readonly string[] | undefined): boolean {
  if (!address || !trustedProxies?.length) return false;
  const id = trustedProxies.join(',');
  let list = trustedLists.get(id);
  if (!list) {
    list = new BlockList();
    for (const entry of trustedProxies) {
      const [ip, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(ip, type);
      else list.addSubnet(ip, Number(bits), type);
    }
    trustedLists.set(id, list);
  }
  const type = isIP(address);
  return type !== 0 && list.check(address, type === 6 ? 'ipv6' : 'ipv4');
}

/**
 * True when a state-changing request plainly comes from another site. The host it was sent to is the Host
 * header, or X-Forwarded-Host when the request came through a trusted reverse proxy (anyone else could
 * send an X-Forwarded-Host that matches their own Origin).
 */
export function isCrossSiteRequest(headers: IncomingHttpHeaders, opts: { viaTrustedProxy: boolean }): boolean {
  const site = header(headers, 'sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = header(headers, 'origin');
  if (!origin) return false; // non-browser clients (curl, server-side callers) send no Origin
  // Behind several proxies the first entry is the host the browser used.
  const forwarded = opts.viaTrustedProxy ? header(headers, 'x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  const host = forwarded || header(headers, 'host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

export function isJsonContentType(headers: IncomingHttpHeaders): boolean {
  return (header(headers, 'content-type') ?? '').toLowerCase().startsWith('application/json');
}
