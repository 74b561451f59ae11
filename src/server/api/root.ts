import 'server-only';
import { createCallerFactory, createTRPCRouter } from '~/server/api/trpc';
import { accountRouter } from '~/server/api/routers/account';
import { billingRouter } from '~/server/api/routers/billing';
import { developersRouter } from '~/server/api/routers/developers';
import { generationRouter } from '~/server/api/routers/generation';
import { keysRouter } from '~/server/api/routers/keys';
import { modelsRouter } from '~/server/api/routers/models';
import { notificationsRouter } from '~/server/api/routers/notifications';
import { usageRouter } from '~/server/api/routers/usage';
import { workspaceRouter } from '~/server/api/routers/workspace';

export const appRouter = createTRPCRouter({
  account: accountRouter,
  billing: billingRouter,
  developers: developersRouter,
  generation: generationRouter,
  keys: keysRouter,
  models: modelsRouter,
  notifications: notificationsRouter,
  usage: usageRouter,
  workspace: workspaceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
