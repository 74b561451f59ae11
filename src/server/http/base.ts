import 'server-only';
// The API server's frame, whatever it serves: Fastify with the app's logger, error shape and security
// headers. One onRequest hook puts the security headers on every API response and guards the routes that
// carry a session cookie (CSRF and content type); one error handler answers every failure in the
// `{"error": {"code", "message"}}` shape. What it serves is the plugins it is given: the whole API
// (app.ts) or the gateway alone (gateway-app.ts), which then loads none of the other routes' modules.
import { createServer, type RequestListener } from 'node:http';
import Fastify, { type FastifyPluginAsync, type FastifyPluginCallback, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { serverEnv } from '~/server/env';
import { handleError, handleNotFound, sendError } from '~/server/http/errors';
import { API_HEADERS, isCrossSiteRequest, isJsonContentType, isTrustedProxy, responseHeaders } from '~/server/http/guards';
import { log } from '~/server/log';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Guards a route that a browser's session cookie authenticates: a state-changing request must come
     * from this site (CSRF) and carry JSON.
     */
    sessionGuard?: boolean;
  }
}

function isApiPath(url: string | undefined): boolean {
  return !!url && (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?'));
}

/** Builds the API server with these plugins. With `pages`, the Node server it owns also serves every non-API request through it. */
export async function createApiServer(opts: { pages?: RequestListener }, plugins: readonly (FastifyPluginAsync | FastifyPluginCallback)[]) {
  const env = serverEnv();
  const headers = Object.entries(responseHeaders(env.APP_URL));
  const apiHeaders = Object.fromEntries([...headers, ...Object.entries(API_HEADERS)]);
  const trusted = env.TRUSTED_PROXIES ?? [];
  const app = Fastify({
    loggerInstance: log,
    // One line per request is the REST plugin's (with its allow-listed body); the rest log failures only.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: building one (with the redaction setup) cost ~0.1 ms of every call.
    childLoggerFactory: (logger) => logger,
    // The client address from X-Forwarded-For only through the proxies named in TRUSTED_PROXIES.
    trustProxy: trusted.length ? trusted : false,
    // The default for routes that name none: small; each plugin sets what its requests need.
    bodyLimit: 16 * 1024,
    return503OnClosing: true,
    // A tRPC batch names every procedure in one path segment (at most TRPC_MAX_BATCH of them).
    routerOptions: { maxParamLength: 2048 },
    // A URL that cannot be decoded is simply not found (Fastify's own answer would quote it).
    frameworkErrors: (err, _request, reply) => (err.code === 'FST_ERR_BAD_URL' ? sendError(reply, 404, 'not_found', 'Not found') : handleError(err, _request, reply)),
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (isApiPath(req.url) || !opts.pages) return handler(req, res);
        for (const [name, value] of headers) res.setHeader(name, value);
        opts.pages(req, res);
      }),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(apiHeaders);
    if (request.routeOptions.config.sessionGuard && request.method === 'POST') {
      if (isCrossSiteRequest(request.headers, { viaTrustedProxy: isTrustedProxy(request.socket.remoteAddress, trusted) })) {
        return void sendError(reply, 403, 'forbidden', 'Cross-site requests are not allowed');
      }
      if (!isJsonContentType(request.headers)) return void sendError(reply, 415, 'unsupported_media_type', 'Send JSON (application/json)');
    }
    done();
  });

  for (const plugin of plugins) await app.register(plugin);
  return app;
}
