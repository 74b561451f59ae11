// Guards shared by the route handlers: cookie-authenticated mutations must come from our own origin
// (CSRF), carry JSON, and no API response may be cached.

// `no-transform` also keeps the server's gzip off API responses: compressing secrets next to echoed
// input is what BREACH exploits, and per-chunk compression slows streamed runs.
export const NO_STORE = 'no-store, max-age=0, no-transform';

/** True when a state-changing request plainly comes from another site. */
export function isCrossSiteRequest(req: Request): boolean {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.get('origin');
  if (!origin) return false; // non-browser clients (curl, server-side callers) send no Origin
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': NO_STORE } });
}
