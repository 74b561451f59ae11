// What every response carries, and the guards in front of the API: cookie-authenticated mutations must
// come from our own origin (CSRF) and carry JSON, and no API response may be cached or transformed.
import type { IncomingHttpHeaders } from 'node:http';

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

/** On API responses too (pages get a per-request CSP with a nonce from src/proxy.ts). */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': NO_STORE,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** True when a state-changing request plainly comes from another site. */
export function isCrossSiteRequest(headers: IncomingHttpHeaders): boolean {
  const site = header(headers, 'sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = header(headers, 'origin');
  if (!origin) return false; // non-browser clients (curl, server-side callers) send no Origin
  const host = header(headers, 'x-forwarded-host') ?? header(headers, 'host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

export function isJsonContentType(headers: IncomingHttpHeaders): boolean {
  return (header(headers, 'content-type') ?? '').toLowerCase().startsWith('application/json');
}
