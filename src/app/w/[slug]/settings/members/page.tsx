import { MembersPanel } from '~/components/members-panel';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  // Rendered on the server too: without the list in the page's cache the panel would fetch it there.
  prefetch(trpc().workspace.members.queryOptions({ workspaceId: ws.id }));
  if (ws.role === 'owner') prefetch(trpc().workspace.invitations.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <MembersPanel />
    </HydrateClient>
  );
}
