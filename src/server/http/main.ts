import 'server-only';
// The server process: `npm start` (built by `npm run build`) and `npm run dev`. Fastify serves /api/*
// (src/server/http/app.ts) and hands every other request to Next.js, which renders the pages with the
// services this process registers for them (src/server/page-services.ts).
import type { RequestListener } from 'node:http';
import next from 'next';
import { appRouter } from '~/server/api/root';
import { getSessionUser } from '~/server/auth';
import { closeDb, getDb } from '~/server/db';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { createApp } from '~/server/http/app';
import { requestContext } from '~/server/http/context';
import { log } from '~/server/log';
import { startMaintenance } from '~/server/maintenance';
import { drainGateway } from '~/server/gateway/routes';
import { providePageServices } from '~/server/page-services';
import { getRun } from '~/server/services/generation';
import { getForMember, listForUser } from '~/server/services/workspaces';

const env = serverEnv();
const dev = env.NODE_ENV !== 'production';
// Like `next start`: every interface unless HOST names one.
const host = env.HOST;

const notFoundAsNull = (e: unknown) => {
  if (e instanceof AppError && e.code === 'NOT_FOUND') return null;
  throw e;
};

providePageServices({
  router: appRouter,
  appUrl: env.APP_URL,
  createContext: (headers) => requestContext(headers.get('cookie')),
  sessionUser: (headers) => getSessionUser(headers.get('cookie')),
  membership: (userId, slug) => getForMember({ db: getDb(), actor: { id: userId } }, { slug }).catch(notFoundAsNull),
  workspaces: (userId) => listForUser({ db: getDb(), actor: { id: userId } }),
  run: (workspaceId, runId) => getRun({ db: getDb(), workspace: { id: workspaceId } }, { runId }).catch(notFoundAsNull),
});

// Pages are Next.js's, from the Node server Fastify owns (Next also takes its development upgrades there).
let pages: RequestListener = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const api = await createApp({ pages: (req, res) => pages(req, res) });
const app = next({ dev, dir: process.cwd(), hostname: host ?? 'localhost', port: env.PORT, httpServer: api.server });
const handle = app.getRequestHandler();
await app.prepare();
pages = (req, res) => void handle(req, res);
await api.listen({ port: env.PORT, host: host ?? '::' });
console.log(`BYOK Studio ${dev ? '(development) ' : ''}on http://${host ?? 'localhost'}:${env.PORT}`);
// Start-up released what a previous process left (scripts/prestart.ts); this keeps doing it every minute.
const maintenance = startMaintenance(getDb);

// Stop taking connections, let requests in flight finish (briefly), close the database cleanly.
let stopping = false;
function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  api.server.closeIdleConnections();
  const deadline = setTimeout(() => process.exit(0), 5_000);
  deadline.unref();
  void (async () => {
    await maintenance.stop();
    await api.close(); // stops taking connections and waits for requests in flight
    await drainGateway(getDb()); // calls settling their credits, and their records: a clean stop loses none
    await app.close?.();
    await closeDb();
    process.exit(0);
  })().catch(() => process.exit(1));
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
