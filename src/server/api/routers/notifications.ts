import 'server-only';
import { z } from 'zod';
import { ZId } from '~/lib/schemas/ids';
import { authedProcedure, createTRPCRouter } from '~/server/api/trpc';
import { listNotifications, markNotificationsRead } from '~/server/services/notifications';

export const notificationsRouter = createTRPCRouter({
  list: authedProcedure.query(({ ctx }) => listNotifications(ctx)),
  markRead: authedProcedure
    .input(z.object({ ids: z.array(ZId).max(100).optional() }))
    .mutation(({ ctx, input }) => markNotificationsRead(ctx, input)),
});
