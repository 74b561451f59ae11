// tRPC foundations: context, the error formatter, and the procedure ladder
// public → authed (session) → workspace (membership read from the database) → owner.
import 'server-only';
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z, ZodError } from 'zod';
import type { SessionUser } from '~/server/auth';
import type { Actor } from '~/server/actor';
import type { Db } from '~/server/db/connect';
import { AppError, correlationId, toTRPCError } from '~/server/errors';
import { log } from '~/server/log';
import { assertByokPlan } from '~/server/services/keys';
import { getForMember } from '~/server/services/workspaces';

export type Context = { db: Db; user: SessionUser | null; clientIp: string | null; reqId: string };

/** The request-free part of the context; tests build it directly and call procedures through createCaller. */
export function createInnerContext(opts: { db: Db; user: SessionUser | null; clientIp?: string | null }): Context {
  return { db: opts.db, user: opts.user, clientIp: opts.clientIp ?? null, reqId: correlationId() };
}

const isProduction = process.env.NODE_ENV === 'production';

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  isDev: !isProduction,
  errorFormatter({ shape, error, ctx }) {
    // Deliberately never reads `input`: it may hold a provider key.
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    const app = error.cause instanceof AppError ? error.cause : null;
    const zod = error.code === 'BAD_REQUEST' && error.cause instanceof ZodError ? error.cause : null;
    // zod 4 issues never contain the rejected value; show the first one as a sentence.
    const firstIssue = zod?.issues[0];
    const zodMessage = firstIssue
      ? `${firstIssue.path.length ? `${firstIssue.path.join('.')}: ` : ''}${firstIssue.message}`
      : null;
    return {
      message: internal ? `Something went wrong (ref ${ctx?.reqId ?? 'n/a'})` : (zodMessage ?? shape.message),
      code: shape.code,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        reason: app?.reason ?? null,
        details: app?.details ?? null,
        zodError: zod ? z.flattenError(zod) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

function convertError(err: unknown, ref: string, path: string): TRPCError {
  const mapped = toTRPCError(err);
  if (mapped.code === 'INTERNAL_SERVER_ERROR') {
    // Type and stack only (both pass through the scrubbing logger); never the input.
    log.error({ ref, path, err: mapped.cause ?? mapped }, 'procedure failed');
  }
  return mapped;
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' && v !== null && Symbol.asyncIterator in v;

/** A streamed result whose errors (thrown while it is read, after the procedure returned) are converted too. */
async function* converting(source: AsyncIterable<unknown>, ref: string, path: string): AsyncGenerator<unknown> {
  try {
    // yield* passes an early return (the client went away) on to the source.
    return yield* source;
  } catch (err) {
    throw convertError(err, ref, path);
  }
}

const convertErrors = t.middleware(async ({ ctx, path, next }) => {
  const res = await next();
  if (res.ok) return isAsyncIterable(res.data) ? { ...res, data: converting(res.data, ctx.reqId, path) } : res;
  throw convertError(res.error, ctx.reqId, path);
});

export const publicProcedure = t.procedure.use(convertErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  // Who acts, as services see it: the user and where the request came from (rate limits, audit).
  const actor: Actor = { ...ctx.user, clientIp: ctx.clientIp, tokenPrefix: null };
  return next({ ctx: { user: ctx.user, actor } });
});

/** Ids are opaque and short; anything else is rejected without echoing it. */
export const ZId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

export const workspaceProcedure = authedProcedure
  .input(z.object({ workspaceId: ZId }))
  .use(async ({ ctx, input, next }) => {
    const workspace = await getForMember(ctx.db, ctx.user.id, { workspaceId: input.workspaceId });
    return next({ ctx: { workspace } });
  });

export const ownerProcedure = workspaceProcedure.use(({ ctx, next }) => {
  if (ctx.workspace.role !== 'owner') {
    throw new AppError('FORBIDDEN', 'Only the workspace owner can do this.', 'owner_required');
  }
  return next();
});

/** Key writes: the plan gate (PRODUCT.md K4) runs first, then the owner check (K3), before any input is read. */
export const byokOwnerProcedure = workspaceProcedure
  .use(({ ctx, next }) => {
    assertByokPlan(ctx.workspace.plan);
    return next();
  })
  .use(({ ctx, next }) => {
    if (ctx.workspace.role !== 'owner') {
      throw new AppError('FORBIDDEN', 'Only the workspace owner can manage API keys.', 'owner_required');
    }
    return next();
  });
