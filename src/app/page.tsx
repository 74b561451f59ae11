import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { listForUser } from '~/server/services/workspaces';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const user = await getSessionUser(await headers());
  if (!user) redirect('/sign-in');
  const [first] = await listForUser(getDb(), user.id);
  redirect(first ? `/w/${first.slug}/studio` : '/new-workspace');
}
