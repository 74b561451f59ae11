import { createCallerFactory, createTRPCRouter } from '~/server/api/trpc';
import { accountRouter } from '~/server/api/routers/account';
import { workspaceRouter } from '~/server/api/routers/workspace';

export const appRouter = createTRPCRouter({
  account: accountRouter,
  workspace: workspaceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
