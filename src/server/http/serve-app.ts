import 'server-only';
// The whole app's process (APP_ROLE all, web or worker; main.ts loads it). Fastify serves /api/*
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
import { type Jobs, startJobs } from '~/server/jobs';
import { drainGateway } from '~/server/gateway/routes';
import { providePageServices } from '~/server/page-services';
import { getRun } from '~/server/services/generation/history';
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

// APP_ROLE (docs/runs.md): web serves pages and the API, worker executes runs and scheduled jobs, all does both.
const serveWeb = env.APP_ROLE !== 'worker';
const runJobs = env.APP_ROLE !== 'web';

// Pages are Next.js's, from the Node server Fastify owns (Next also takes its development upgrades there).
let pages: RequestListener = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const api = serveWeb ? await createApp({ pages: (req, res) => pages(req, res) }) : null;
const app = api ? next({ dev, dir: process.cwd(), hostname: host ?? 'localhost', port: env.PORT, httpServer: api.server }) : null;
if (api && app) {
  const handle = app.getRequestHandler();
  await app.prepare();
  pages = (req, res) => void handle(req, res);
  await api.listen({ port: env.PORT, host: host ?? '::' });
  console.log(`BYOK Studio ${dev ? '(development) ' : ''}on http://${host ?? 'localhost'}:${env.PORT}`);
}
// The runs and the scheduled jobs (expired reservations, dead workers' runs, renewals, key checks).
const jobs: Jobs | null = runJobs ? await startJobs(getDb(), { concurrency: env.RUN_CONCURRENCY }) : null;
if (jobs) console.log(`Run worker started (${env.RUN_CONCURRENCY} at once)`);

// Stop taking connections and runs, let requests and runs in flight finish (briefly; a run still going is
// cancelled and its credits returned), close the database cleanly.
let stopping = false;
function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  api?.server.closeIdleConnections();
  const deadline = setTimeout(() => process.exit(0), 15_000);
  deadline.unref();
  void (async () => {
    // Open event streams end first (their clients reconnect, to another instance, and resume).
    const closing = api?.close(); // stops taking connections and waits for requests in flight
    await jobs?.stop();
    await closing;
    if (api) await drainGateway(getDb()); // calls settling their credits, and their records: a clean stop loses none
    await app?.close?.();
    await closeDb();
    process.exit(0);
  })().catch(() => process.exit(1));
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
