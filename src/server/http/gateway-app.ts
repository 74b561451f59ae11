import 'server-only';
// The API server of a gateway process (APP_ROLE=gateway): the same frame as the whole API (base.ts: headers,
// error shape) with the gateway's routes alone. Its module graph has no Next.js, tRPC, auth library or
// REST routes, so the process holds a small heap and nothing in it turns on per-promise hooks.
import { gatewayRoutes } from '~/server/gateway/routes';
import { createApiServer } from '~/server/http/base';

export function createGatewayApp() {
  return createApiServer({}, [gatewayRoutes]);
}
