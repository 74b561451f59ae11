import 'server-only';
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import type { SessionUser } from '~/server/auth';
import { pageServices } from '~/server/page-services';
import type { MembershipDto } from '~/lib/schemas/workspaces';

/** The signed-in user of this page request; sign-in first for anyone else. */
export async function requireUser(): Promise<SessionUser> {
  const user = await pageServices().sessionUser(await headers());
  if (!user) redirect('/sign-in');
  return user;
}

/** The signed-in user's membership of the workspace in the URL; 404 for anyone else. Once per request. */
export const currentWorkspace = cache(async (slug: string): Promise<MembershipDto & { user: SessionUser }> => {
  const user = await requireUser();
  const ws = await pageServices().membership(user.id, slug);
  if (!ws) notFound();
  return { ...ws, user };
});

/**
 * The workspace whose frame account-level pages (Account, New workspace) are shown in: the one the user
 * came from when it is theirs, else their first; null when they have none.
 */
export async function frameWorkspace(userId: string, from: string | string[] | undefined): Promise<MembershipDto | null> {
  const slug = typeof from === 'string' && /^[a-z0-9-]{1,80}$/.test(from) ? from : null;
  if (slug) {
    const ws = await pageServices().membership(userId, slug);
    if (ws) return ws;
  }
  const [first] = await pageServices().workspaces(userId);
  return first ?? null;
}
