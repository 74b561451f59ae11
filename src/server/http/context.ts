import 'server-only';
// The tRPC context of a request, for the API and for page renders alike: the signed-in user (from the
// Cookie header only), where the request came from, and the database.
import { createInnerContext, type Context } from '~/server/api/trpc';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';

export async function requestContext(cookieHeader: string | null | undefined, ip: string | null = null): Promise<Context> {
  return createInnerContext({ db: getDb(), user: await getSessionUser(cookieHeader), clientIp: ip });
}
