import 'server-only';
// The server process: `npm start` (built by `npm run build`) and `npm run dev`. APP_ROLE decides what it
// loads: a gateway process (serve-gateway.ts) only the gateway's routes; every other role the whole app
// (serve-app.ts: Next.js, the API, the run worker). Imported on demand, so a gateway process never loads
// Next.js, tRPC or the auth library (the build splits them into chunks of their own).
import { serverEnv } from '~/server/env';

if (serverEnv().APP_ROLE === 'gateway') await import('~/server/http/serve-gateway');
else await import('~/server/http/serve-app');
