import 'server-only';
// A gateway process (APP_ROLE=gateway; main.ts loads it): /api/gateway/* alone, on PostgreSQL beside web
// instances that serve the pages and the rest of the API. No Next.js, tRPC, auth library or run worker is
// loaded: the gateway's CPU per call is its own (docs/gateway.md, "A gateway-only process"). Its caches
// stay fresh as every instance's do (db/config-changes.ts).
import { closeDb, getDb } from '~/server/db';
import { serverEnv } from '~/server/env';
import { drainGateway } from '~/server/gateway/routes';
import { createGatewayApp } from '~/server/http/gateway-app';
import { log } from '~/server/log';

const env = serverEnv();
const api = await createGatewayApp();
await api.listen({ port: env.PORT, host: env.HOST ?? '::' });
console.log(`BYOK Studio gateway on http://${env.HOST ?? 'localhost'}:${env.PORT}/api/gateway/`);

// As the whole app stops: no new connections, calls in flight finish, their credits are settled and their
// records written, then the database is closed.
let stopping = false;
function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  api.server.closeIdleConnections();
  const deadline = setTimeout(() => process.exit(0), 15_000);
  deadline.unref();
  void (async () => {
    await api.close();
    await drainGateway(getDb());
    await closeDb();
    process.exit(0);
  })().catch(() => process.exit(1));
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
