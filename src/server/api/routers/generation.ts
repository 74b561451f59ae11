import 'server-only';
import { z } from 'zod';
import { ZGenerateInput } from '~/lib/schemas/generation';
import { ZId } from '~/lib/schemas/ids';
import { createTRPCRouter, workspaceProcedure } from '~/server/api/trpc';
import { getRun, listRuns, startGeneration } from '~/server/services/generation';

export const generationRouter = createTRPCRouter({
  /**
   * Streams a run's events (the script text as it is produced). Closing the request (Cancel, or the
   * tab) aborts the provider call and returns the reserved credits.
   */
  start: workspaceProcedure.input(ZGenerateInput).mutation(async function* ({ ctx, input, signal }) {
    const events = await startGeneration(ctx, input, signal);
    yield* events;
  }),

  history: workspaceProcedure
    .input(z.object({ cursor: ZId.nullish(), limit: z.number().int().min(1).max(50).optional() }))
    .query(({ ctx, input }) => listRuns(ctx, input)),

  get: workspaceProcedure.input(z.object({ runId: ZId })).query(({ ctx, input }) => getRun(ctx, input)),
});
