import { createCallerFactory, createTRPCRouter } from '~/server/api/trpc';
import { accountRouter } from '~/server/api/routers/account';
import { keysRouter } from '~/server/api/routers/keys';
import { workspaceRouter } from '~/server/api/routers/workspace';

export const appRouter = createTRPCRouter({
  account: accountRouter,
  keys: keysRouter,
  workspace: workspaceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
