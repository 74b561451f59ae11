import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { NewWorkspaceForm } from '~/components/new-workspace-form';
import { getSessionUser } from '~/server/auth';

export const dynamic = 'force-dynamic';

export default async function NewWorkspacePage() {
  if (!(await getSessionUser(await headers()))) redirect('/sign-in');
  return <NewWorkspaceForm />;
}
