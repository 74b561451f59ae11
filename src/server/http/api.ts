// Every /api/* request, served on Node's own request and response. Next.js renders the pages only: its
// per-request routing cost about 2 ms of CPU on our 2-core machines, most of a small API call, and its
// response piping added stream stages to every chunk of a streamed run (README, Performance).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { incomingMessageToRequest, nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import { TRPC_MAX_BATCH } from '~/lib/limits';
import { appRouter } from '~/server/api/root';
import { createInnerContext } from '~/server/api/trpc';
import type { Context } from '~/server/api/trpc';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { serverEnv } from '~/server/env';
import { clientIp } from '~/server/http/client-ip';
import { serveAuth } from '~/server/http/auth-route';
import { API_HEADERS, isCrossSiteRequest, isJsonContentType, isTrustedProxy, responseHeaders } from '~/server/http/guards';
import { log } from '~/server/log';
import { rest } from '~/server/rest';
import type { RequestMeta } from '~/server/rest/handler';
import { openApiDocument } from '~/server/rest/openapi';

// Generous for any form in the app (the longest input is a prompt), small enough that a client cannot
// make the server buffer much.
const MAX_BODY_BYTES = 256 * 1024;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The server's request listener: the security headers on everything, /api/* here, the rest to `pages`. */
export function serve(pages: RequestListener): RequestListener {
  const headers = Object.entries(responseHeaders(serverEnv().APP_URL));
  return (req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (isApiPath(req.url)) void handleApi(req, res);
    else pages(req, res);
  };
}

/** The tRPC context of a request (API and page renders alike): the signed-in user and the database. */
export async function requestContext(cookieHeader: string | null | undefined, ip: string | null = null): Promise<Context> {
  return createInnerContext({ db: getDb(), user: await getSessionUser(cookieHeader), clientIp: ip });
}

function isApiPath(url: string | undefined): boolean {
  return !!url && (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?'));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** Writes a Fetch API response (REST handlers, the auth library) to Node's response. */
async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.statusCode = response.status;
  res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
}

async function trpc(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (req.method === 'POST') {
    const viaTrustedProxy = isTrustedProxy(req.socket.remoteAddress, serverEnv().TRUSTED_PROXIES);
    if (isCrossSiteRequest(req.headers, { viaTrustedProxy })) return sendError(res, 403, 'forbidden', 'Cross-site requests are not allowed');
    if (!isJsonContentType(req.headers)) return sendError(res, 415, 'unsupported_media_type', 'Send JSON (application/json)');
  } else if (req.method !== 'GET') {
    return sendError(res, 405, 'method_not_allowed', 'Use GET for queries and POST for mutations', { allow: 'GET, POST' });
  }
  await nodeHTTPRequestHandler({
    req,
    res,
    path,
    router: appRouter,
    maxBodySize: MAX_BODY_BYTES,
    // One request must not multiply work that is limited per request (a batch of 40 creations was one
    // request); a larger batch is refused with 400 before anything runs.
    maxBatchSize: TRPC_MAX_BATCH,
    createContext: () => requestContext(req.headers.cookie, clientIp(req)),
    onError: ({ error, path: procedure }) => {
      // Unexpected failures are logged where they are mapped (convertErrors); here only the failure of
      // the request itself (context, parsing), by code: never the input.
      if (error.code === 'INTERNAL_SERVER_ERROR' && !procedure) log.error({ code: error.code }, 'tRPC request failed');
    },
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler takes its own route's params
type Route = { pattern: RegExp; methods: Record<string, (req: Request, params: any, meta: RequestMeta) => Promise<Response>> };

// The REST API (src/server/rest/endpoints.ts) and the few other endpoints written as Fetch handlers.
const routes: Route[] = [
  { pattern: /^\/api\/workspaces\/(?<workspaceId>[^/]+)\/ai-config$/, methods: { GET: rest.getAiConfig, PUT: rest.putAiConfig } },
  { pattern: /^\/api\/users\/me\/ai-defaults$/, methods: { GET: rest.getAiDefaults, PUT: rest.putAiDefaults } },
  { pattern: /^\/api\/openapi\.json$/, methods: { GET: async () => Response.json(openApiDocument(serverEnv().APP_URL)) } },
];

async function fetchRoute(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const handler = route.methods[method];
    if (!handler) {
      sendError(res, 405, 'method_not_allowed', 'Method not allowed', { allow: Object.keys(route.methods).join(', ') });
      return true;
    }
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    } catch {
      sendError(res, 404, 'not_found', 'Not found');
      return true;
    }
    await sendResponse(res, await handler(incomingMessageToRequest(req, res, { maxBodySize: MAX_BODY_BYTES }), params, { clientIp: clientIp(req) }));
    return true;
  }
  return false;
}

/** Generated images, to members of their workspace only. */
async function image(req: IncomingMessage, res: ServerResponse, imageId: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method_not_allowed', 'Method not allowed', { allow: 'GET' });
  const user = await getSessionUser(req.headers.cookie);
  if (!user) return sendError(res, 401, 'unauthorized', 'Sign in first');
  if (!ID.test(imageId)) return sendError(res, 404, 'not_found', 'Not found');
  const found = await getDb().generatedImage.findFirst({
    where: { id: imageId, run: { workspace: { memberships: { some: { userId: user.id } } } } },
    select: { data: true, mimeType: true },
  });
  if (!found) return sendError(res, 404, 'not_found', 'Not found');
  res.writeHead(200, { 'content-type': found.mimeType, 'cache-control': 'private, no-store' });
  res.end(Buffer.from(found.data));
}

/**
 * The X-Forwarded-For the auth library's rate limits read: the connecting address, appended to the
 * chain only when reverse proxies are trusted (the library then skips those from the right); without
 * them a client's own header is dropped, so it cannot pick its rate-limit bucket.
 */
export function clientAddressChain(req: Pick<IncomingMessage, 'headers' | 'socket'>, proxiesTrusted: boolean): string {
  const remote = req.socket.remoteAddress ?? '';
  const sent = req.headers['x-forwarded-for'];
  const chain = Array.isArray(sent) ? sent.join(', ') : sent;
  return proxiesTrusted && chain ? `${chain}, ${remote}` : remote;
}

/** Serves one /api/* request. */
async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);
  try {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname.startsWith('/api/trpc/')) return await trpc(req, res, pathname.slice('/api/trpc/'.length));
    if (pathname.startsWith('/api/auth/')) {
      req.headers['x-forwarded-for'] = clientAddressChain(req, !!serverEnv().TRUSTED_PROXIES);
      return await serveAuth(req, res);
    }
    if (pathname.startsWith('/api/images/')) return await image(req, res, pathname.slice('/api/images/'.length));
    if (await fetchRoute(req, res, pathname)) return;
    sendError(res, 404, 'not_found', 'Not found');
  } catch (err) {
    // Type and stack only (the logger scrubs both); never the request.
    log.error({ err, path: req.url?.split('?')[0] }, 'API request failed');
    if (!res.headersSent) sendError(res, 500, 'internal_server_error', 'Something went wrong');
    else res.destroy();
  }
}
