import 'server-only';
// The API server: Fastify, in the same process as Next.js's page rendering. Every /api/* request is
// Fastify's; everything else goes to `pages` (Next.js) from the same Node server, which Next also uses for
// its development upgrades. The frame (headers, guards, error shape) is base.ts's; each feature is a
// plugin with its own routes and body limit.
import type { RequestListener } from 'node:http';
import { gatewayRoutes } from '~/server/gateway/routes';
import { createApiServer } from '~/server/http/base';
import { authRoutes } from '~/server/http/routes/auth';
import { imageRoutes } from '~/server/http/routes/images';
import { openApiRoutes } from '~/server/http/routes/openapi';
import { restRoutes } from '~/server/rest/routes';
import { trpcRoutes } from '~/server/http/routes/trpc';

/** Builds the API server. With `pages`, the Node server it owns also serves every non-API request through it. */
export function createApp(opts: { pages?: RequestListener } = {}) {
  // openApiRoutes first: it collects the routes registered after it.
  return createApiServer(opts, [openApiRoutes, authRoutes, trpcRoutes, restRoutes, imageRoutes, gatewayRoutes]);
}

export type App = Awaited<ReturnType<typeof createApp>>;
