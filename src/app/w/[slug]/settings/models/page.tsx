import { Suspense } from 'react';
import { PageHeader } from '~/components/shell/page-header';
import { TiersPanel } from '~/components/tiers-panel';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Models · BYOK Studio' };

export default async function ModelsSettingsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().models.tiers.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <PageHeader
        eyebrow="Settings"
        title="Models"
        description="The model each tier uses when a run does not pick one."
      />
      <Suspense fallback={<LoadingBlock label="Loading models…" />}>
        <TiersPanel />
      </Suspense>
    </HydrateClient>
  );
}
