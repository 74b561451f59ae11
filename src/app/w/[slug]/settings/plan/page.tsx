import { Suspense } from 'react';
import { PlanPanel } from '~/components/plan-panel';
import { PageHeader } from '~/components/shell/page-header';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Plan & credits · BYOK Studio' };

export default async function PlanPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().billing.upgradeRequest.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <PageHeader eyebrow="Settings" title="Plan & credits" description="What this workspace’s plan allows, its credits, and how to move to a bigger plan." />
      <Suspense fallback={<LoadingBlock />}>
        <PlanPanel />
      </Suspense>
    </HydrateClient>
  );
}
