import { Suspense } from 'react';
import { MembersPanel } from '~/components/members-panel';
import { PageHeader } from '~/components/shell/page-header';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Members · BYOK Studio' };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  // Rendered on the server too: without the list in the page's cache the panel would fetch it there.
  prefetch(trpc().workspace.members.queryOptions({ workspaceId: ws.id }));
  if (ws.role === 'owner') {
    prefetch(trpc().workspace.invitations.queryOptions({ workspaceId: ws.id }));
    prefetch(trpc().usage.caps.queryOptions({ workspaceId: ws.id }));
  }
  return (
    <HydrateClient>
      <PageHeader eyebrow="Settings" title="Members" description="Who can use this workspace. Members run generations; the owner manages keys, models and the plan." />
      <Suspense fallback={<LoadingBlock />}>
        <MembersPanel />
      </Suspense>
    </HydrateClient>
  );
}
