// A strict Content-Security-Policy for every page: scripts only from this origin with this request's
// nonce (Next.js applies it to its own scripts), no framing, no plugins, no foreign form targets.
import { type NextRequest, NextResponse } from 'next/server';

// The one reader of the environment outside src/server/env.ts. Next.js builds this file into its own
// bundle, apart from the server's (which holds env.ts), and runs it before every page: it needs two facts,
// and Next replaces NODE_ENV at build time here, so it reads them itself rather than loading and
// validating the whole server configuration on the page path.
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const isDev = process.env.NODE_ENV === 'development';
  const https = (process.env.APP_URL ?? '').startsWith('https://');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDev ? " 'unsafe-eval'" : ''}`,
    // Development only: Next's dev overlay and hot reloading inject <style> elements without the nonce
    // (and a nonce would make browsers ignore 'unsafe-inline'), and talk to the dev server over a
    // WebSocket. Production keeps the nonce-only policy.
    isDev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    isDev ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  matcher: [
    {
      // Everything but the API (`/api` and `/api/…`, served before Next.js) and Next's hashed static files,
      // so every page and every 404 (`/apifoo`, `/api-docs`, `/favicon.ico`) carries the policy.
      source: '/((?!api(?:/|$)|_next/static/|_next/image(?:/|$)).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
