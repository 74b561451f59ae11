import 'server-only';
// One error path: services throw AppError; tRPC and REST map it with the same table. Messages are
// written by us and never interpolate submitted values.
import { randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { Prisma } from '~/generated/prisma/client';

export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYMENT_REQUIRED'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** A stable machine-readable reason, e.g. `plan_required`, `insufficient_credits`. */
    readonly reason: string = code.toLowerCase(),
    /** Safe, structured details for clients (never user input). */
    readonly details?: Record<string, string | number | boolean | null | string[]>,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Not found') => new AppError('NOT_FOUND', what, 'not_found');
export const forbidden = (message: string, reason = 'forbidden') => new AppError('FORBIDDEN', message, reason);

export function correlationId(): string {
  return randomBytes(6).toString('hex');
}

/** Maps anything thrown below a router to a TRPCError whose message is safe to show. */
export function toTRPCError(err: unknown): TRPCError {
  const cause = err instanceof TRPCError && err.cause ? err.cause : err;
  if (cause instanceof AppError) return new TRPCError({ code: cause.code, message: cause.message, cause });
  if (cause instanceof Prisma.PrismaClientKnownRequestError) {
    if (cause.code === 'P2025') return new TRPCError({ code: 'NOT_FOUND', message: 'Not found', cause });
    if (cause.code === 'P2002') return new TRPCError({ code: 'CONFLICT', message: 'Already exists', cause });
    if (cause.code === 'P2034')
      return new TRPCError({ code: 'CONFLICT', message: 'Conflicting update, try again', cause });
  }
  if (err instanceof TRPCError) return err;
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error', cause: err });
}

export type RestErrorBody = { error: { code: string; message: string; details?: AppError['details'] } };

/** The REST shape of the same mapping: `{"error": {"code", "message"}}` with the matching status. */
export function toRestError(err: unknown, ref: string): { status: number; body: RestErrorBody } {
  const t = toTRPCError(err);
  const status = getHTTPStatusCodeFromError(t);
  const app = t.cause instanceof AppError ? t.cause : undefined;
  const message = t.code === 'INTERNAL_SERVER_ERROR' ? `Something went wrong (ref ${ref})` : t.message;
  return {
    status,
    body: { error: { code: app?.reason ?? t.code.toLowerCase(), message, ...(app?.details ? { details: app.details } : {}) } },
  };
}
