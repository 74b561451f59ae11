import 'server-only';
// What the pages (Next.js server components) may ask of the server. The server process
// (src/server/http/main.ts) owns the database, the keyring and the auth library, and registers these
// functions before Next.js starts; the pages reach them through this module and import nothing else
// from src/server at run time. So one copy of the server code runs, with one database client, one
// keyring and one session cache, rather than a second copy bundled into the pages.
import type { AppRouter } from '~/server/api/root';
import type { Context } from '~/server/api/trpc';
import type { SessionUser } from '~/server/auth';
import type { getRun } from '~/server/services/generation/history';
import type { MembershipDto } from '~/lib/schemas/workspaces';

export type RunDetail = Awaited<ReturnType<typeof getRun>>;

export type PageServices = {
  router: AppRouter;
  /** The app's public address (APP_URL; required in production), for the snippets pages show. */
  appUrl: string;
  /** The tRPC context of a page request: the signed-in user (or none) and the database. */
  createContext(headers: Headers): Promise<Context>;
  sessionUser(headers: Headers): Promise<SessionUser | null>;
  /** The user's membership of the workspace with this slug; null for anyone else. */
  membership(userId: string, slug: string): Promise<MembershipDto | null>;
  /** The user's workspaces, oldest membership first. */
  workspaces(userId: string): Promise<MembershipDto[]>;
  /** A run of this workspace; null when there is none with that id. */
  run(workspaceId: string, runId: string): Promise<RunDetail | null>;
};

const SLOT = Symbol.for('byok-studio.page-services');
const slot = globalThis as unknown as { [SLOT]?: PageServices };

export function providePageServices(services: PageServices): void {
  slot[SLOT] = services;
}

export function pageServices(): PageServices {
  const services = slot[SLOT];
  if (!services) throw new Error('The server has not registered its page services: start the app with `npm run dev` or `npm start`.');
  return services;
}
