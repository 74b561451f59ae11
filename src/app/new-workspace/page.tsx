import { NewWorkspaceForm } from '~/components/new-workspace-form';
import { AccountFrame } from '~/components/shell/account-frame';
import { frameWorkspace, requireUser } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New workspace · BYOK Studio' };

export default async function NewWorkspacePage({ searchParams }: { searchParams: Promise<{ from?: string | string[] }> }) {
  const user = await requireUser();
  const workspace = await frameWorkspace(user.id, (await searchParams).from);
  if (workspace) prefetch(trpc().workspace.get.queryOptions({ workspaceId: workspace.id }));
  return (
    <HydrateClient>
      <AccountFrame user={user} workspace={workspace}>
        <NewWorkspaceForm back={workspace ? { href: `/w/${workspace.slug}/studio`, name: workspace.name } : null} />
      </AccountFrame>
    </HydrateClient>
  );
}
