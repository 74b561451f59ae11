import { NewWorkspaceForm } from '~/components/new-workspace-form';
import { requireUser } from '~/app/current-workspace';

export const dynamic = 'force-dynamic';

export default async function NewWorkspacePage() {
  await requireUser();
  return <NewWorkspaceForm />;
}
