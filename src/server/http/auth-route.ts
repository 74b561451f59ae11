// The auth library's routes, /api/auth/*, on Node's request and response. In front of the library: requests
// with more than one session cookie are refused, bodies are capped before it reads them, and session tokens
// are taken out of what it answers. Its unexpected errors are thrown (onAPIError.throw in src/server/auth.ts)
// to the API layer's one error handler, which logs them through our logger.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getAuth, hasAmbiguousSessionCookies, sessionCookiesToExpire } from '~/server/auth';
import { serverEnv } from '~/server/env';

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

// The auth library's requests are small JSON documents (an email, a password, a name): anything larger is
// refused before the library reads it, so an unauthenticated client cannot make the server buffer it.
export const MAX_AUTH_BODY_BYTES = 8 * 1024;

/**
 * The request body, or null once it grows past `limit` (the rest is not read: the response then closes
 * the connection). A Content-Length above the limit is refused before reading anything.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData).off('end', onEnd).pause();
        resolve(null);
      } else chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

// Session tokens stay in their httpOnly cookie: the library also returns them in JSON bodies (sign-in,
// sign-up, get-session, list-sessions, change-password), where page JavaScript could read them.
function withoutTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTokens);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'token').map(([k, v]) => [k, withoutTokens(v)]));
}

/** Set-Cookie headers that delete these cookies (the `__Secure-`/`__Host-` ones only take a Secure one). */
function expiredCookies(names: string[]): string[] {
  return names.map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${/^__(secure|host)-/i.test(name) ? '; Secure' : ''}`);
}

/**
 * Serves one /api/auth/* request (X-Forwarded-For already set by the caller, as the library's rate limits
 * read it): behind the body cap, with session tokens kept out of bodies.
 */
export async function serveAuth(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Session cookies the library does not read (e.g. from before APP_URL was https) are deleted on the way
  // out, so signing in again is enough to recover from them.
  const stale = expiredCookies(await sessionCookiesToExpire(req.headers.cookie));
  if (hasAmbiguousSessionCookies(req.headers.cookie)) {
    res.setHeader('set-cookie', stale);
    return sendError(res, 400, 'ambiguous_session', 'This request carries more than one session cookie, so it was refused. Clear this site’s cookies and sign in again.');
  }
  const method = req.method ?? 'GET';
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const read = await readBody(req, MAX_AUTH_BODY_BYTES);
    if (!read) return sendError(res, 413, 'payload_too_large', 'The request is too large.', { connection: 'close' });
    body = read;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  // The library is configured with APP_URL and uses the request's URL for its path only.
  const url = new URL(req.url ?? '/', serverEnv().APP_URL);
  const response = await getAuth().handler(new Request(url, { method, headers, body: body && new Uint8Array(body) }));

  let payload: Buffer | undefined = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (payload?.length && (response.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      payload = Buffer.from(JSON.stringify(withoutTokens(JSON.parse(payload.toString('utf8')))));
    } catch {
      // not JSON after all: sent as it is
    }
  }
  const cookies = [...stale, ...response.headers.getSetCookie()];
  for (const [name, value] of response.headers) if (name !== 'set-cookie' && name !== 'content-length') res.setHeader(name, value);
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.statusCode = response.status;
  res.end(payload);
}
