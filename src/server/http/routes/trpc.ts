import 'server-only';
// tRPC through its Fastify adapter, at /api/trpc. Queries are GET, mutations POST (a key only ever travels
// in a POST body); the session cookie authenticates, so mutations pass the root hook's CSRF guard.
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import { TRPC_MAX_BATCH } from '~/lib/limits';
import { type AppRouter, appRouter } from '~/server/api/root';
import { requestContext } from '~/server/http/context';
import { sendError } from '~/server/http/errors';
import { log } from '~/server/log';

// Generous for any form in the app (the longest input is a prompt), small enough that a client cannot
// make the server buffer much.
export const TRPC_BODY_LIMIT = 256 * 1024;

export async function trpcRoutes(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    route.bodyLimit = TRPC_BODY_LIMIT;
    route.config = { ...route.config, sessionGuard: true };
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'POST' && request.method !== 'HEAD') {
      return void sendError(reply, 405, 'method_not_allowed', 'Use GET for queries and POST for mutations', { allow: 'GET, POST' });
    }
    done();
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/api/trpc',
    trpcOptions: {
      router: appRouter,
      // One request must not multiply work that is limited per request (a batch of 40 creations was one
      // request); a larger batch is refused with 400 before anything runs.
      maxBatchSize: TRPC_MAX_BATCH,
      createContext: ({ req }) => requestContext(req.headers.cookie, req.ip),
      onError: ({ error, path }) => {
        // Unexpected failures are logged where they are mapped (convertErrors); here only the failure of
        // the request itself (context, parsing), by code: never the input.
        if (error.code === 'INTERNAL_SERVER_ERROR' && !path) log.error({ code: error.code }, 'tRPC request failed');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
}
