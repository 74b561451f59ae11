import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '~/server/api/root';
import { createTRPCContext } from '~/server/api/trpc';
import { NO_STORE, isCrossSiteRequest, jsonError } from '~/server/http-guards';
import { log } from '~/server/log';

export const dynamic = 'force-dynamic';

function handler(req: Request) {
  if (req.method === 'POST') {
    if (isCrossSiteRequest(req)) return jsonError(403, 'forbidden', 'Cross-site requests are not allowed');
    const type = req.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/json')) {
      return jsonError(415, 'unsupported_media_type', 'Send JSON (application/json)');
    }
  }
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
    responseMeta: () => ({ headers: new Headers({ 'cache-control': NO_STORE }) }),
    onError: ({ error, path }) => {
      // Unexpected failures are logged where they are mapped (convertErrors); here only the failure of
      // the request itself (context, parsing), by code: never the input.
      if (error.code === 'INTERNAL_SERVER_ERROR' && !path) log.error({ code: error.code }, 'tRPC request failed');
    },
  });
}

export { handler as GET, handler as POST };
