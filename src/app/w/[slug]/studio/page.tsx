import { Suspense } from 'react';
import { PageHeader } from '~/components/shell/page-header';
import { RunHistory } from '~/components/studio/run-history';
import { StudioPanel } from '~/components/studio/studio-panel';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Content Studio · BYOK Studio' };

export default async function StudioPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().models.tiers.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <div className="flex flex-col gap-6">
        <PageHeader title="Content Studio" description="Write a prompt, pick a model or a tier, and generate a script with images." />
        <Suspense fallback={<LoadingBlock />}>
          <StudioPanel />
        </Suspense>
        <RunHistory compact />
      </div>
    </HydrateClient>
  );
}
