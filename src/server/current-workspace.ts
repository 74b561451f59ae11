import 'server-only';
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { AppError } from '~/server/errors';
import { getForMember, type MembershipDto } from '~/server/services/workspaces';

/** The signed-in user's membership of the workspace in the URL; 404 for anyone else. Once per request. */
export const currentWorkspace = cache(async (slug: string): Promise<MembershipDto & { user: { id: string; name: string; email: string } }> => {
  const user = await getSessionUser(await headers());
  if (!user) redirect('/sign-in');
  const ws = await getForMember(getDb(), user.id, { slug }).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'NOT_FOUND') notFound();
    throw e;
  });
  return { ...ws, user };
});
