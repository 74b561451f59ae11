import { z } from 'zod';
import { authedProcedure, createTRPCRouter } from '~/server/api/trpc';

export const accountRouter = createTRPCRouter({
  me: authedProcedure
    .output(z.object({ id: z.string(), name: z.string(), email: z.string() }))
    .query(({ ctx }) => ({ id: ctx.user.id, name: ctx.user.name, email: ctx.user.email })),
});
