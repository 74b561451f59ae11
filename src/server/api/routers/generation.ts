import 'server-only';
import { z } from 'zod';
import { ZGenerateInput } from '~/lib/schemas/generation';
import { ZId } from '~/lib/schemas/ids';
import { createTRPCRouter, workspaceProcedure } from '~/server/api/trpc';
import { getRun } from '~/server/services/generation/history';
import { cancelRun, listRunsPage, startRun } from '~/server/services/runs';

export const generationRouter = createTRPCRouter({
  /**
   * Queues a run and answers with its id at once; a worker executes it. Its events are streamed by
   * GET /api/workspaces/{workspace_id}/runs/{run_id}/events. Closing the tab no longer cancels: `cancel` does.
   */
  start: workspaceProcedure.input(ZGenerateInput).mutation(({ ctx, input }) => startRun(ctx, input)),

  cancel: workspaceProcedure.input(z.object({ runId: ZId })).mutation(({ ctx, input }) => cancelRun(ctx, input)),

  history: workspaceProcedure
    .input(z.object({ cursor: ZId.nullish(), limit: z.number().int().min(1).max(50).optional() }))
    .query(({ ctx, input }) => listRunsPage(ctx, input)),

  get: workspaceProcedure.input(z.object({ runId: ZId })).query(({ ctx, input }) => getRun(ctx, input)),
});
