import 'server-only';
// The auth library's routes, /api/auth/*, mounted as its Fastify guide shows: the request becomes a Fetch
// Request for `auth.handler`, and its Response is sent back. In front of the library: bodies are capped
// before it reads them (the requests are small JSON documents: an email, a password, a name), a request
// with more than one session cookie is refused, the client address its rate limits read is ours, and
// session tokens are taken out of what it answers. Its unexpected errors reach the one error handler.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getAuth, hasAmbiguousSessionCookies, sessionCookiesToExpire } from '~/server/auth';
import { serverEnv } from '~/server/env';
import { sendError } from '~/server/http/errors';
import { isTrustedProxy } from '~/server/http/guards';

export const MAX_AUTH_BODY_BYTES = 8 * 1024;

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
 * The X-Forwarded-For the auth library's rate limits read: the connecting address, appended to the chain
 * only when it is a trusted reverse proxy (the library then skips those from the right); without one a
 * client's own header is dropped, so it cannot pick its rate-limit bucket.
 */
export function clientAddressChain(request: Pick<FastifyRequest, 'headers' | 'socket'>, trustedProxies: readonly string[]): string {
  const remote = request.socket.remoteAddress ?? '';
  const sent = request.headers['x-forwarded-for'];
  const chain = Array.isArray(sent) ? sent.join(', ') : sent;
  return chain && isTrustedProxy(remote, trustedProxies) ? `${chain}, ${remote}` : remote;
}

export async function authRoutes(app: FastifyInstance) {
  // The library reads the body itself, whatever its type: it reaches it as bytes, within the cap.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_AUTH_BODY_BYTES }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'POST'],
    url: '/api/auth/*',
    bodyLimit: MAX_AUTH_BODY_BYTES,
    async handler(request, reply) {
      const env = serverEnv();
      // Session cookies the library does not read (e.g. from before APP_URL was https) are deleted on the
      // way out, so signing in again is enough to recover from them.
      const stale = expiredCookies(await sessionCookiesToExpire(request.headers.cookie));
      if (hasAmbiguousSessionCookies(request.headers.cookie)) {
        reply.header('set-cookie', stale);
        return sendError(reply, 400, 'ambiguous_session', 'This request carries more than one session cookie, so it was refused. Clear this site’s cookies and sign in again.');
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      headers.set('x-forwarded-for', clientAddressChain(request, env.TRUSTED_PROXIES ?? []));
      // The library is configured with APP_URL and uses the request's URL for its path only.
      const body = request.body instanceof Buffer && request.body.length ? new Uint8Array(request.body) : undefined;
      const response = await getAuth().handler(new Request(new URL(request.url, env.APP_URL), { method: request.method, headers, body }));

      let payload: Buffer | undefined = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
      if (payload?.length && (response.headers.get('content-type') ?? '').includes('application/json')) {
        try {
          payload = Buffer.from(JSON.stringify(withoutTokens(JSON.parse(payload.toString('utf8')))));
        } catch {
          // not JSON after all: sent as it is
        }
      }
      reply.code(response.status);
      for (const [name, value] of response.headers) if (name !== 'set-cookie' && name !== 'content-length') reply.header(name, value);
      const cookies = [...stale, ...response.headers.getSetCookie()];
      if (cookies.length) reply.header('set-cookie', cookies);
      return reply.send(payload);
    },
  });
}
