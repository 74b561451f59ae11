import { PageHeader } from '~/components/shell/page-header';
import { RunHistory } from '~/components/studio/run-history';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Runs · BYOK Studio' };

export default async function RunsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <div className="flex flex-col gap-6">
        <PageHeader title="Runs" description="Every run in this workspace, with the model it used and what it cost." />
        <RunHistory />
      </div>
    </HydrateClient>
  );
}
