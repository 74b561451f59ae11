import { Suspense } from 'react';
import { PageHeader } from '~/components/shell/page-header';
import { LoadingBlock } from '~/components/ui/skeleton';
import { CapsCard } from '~/components/usage/caps-card';
import { SpendAlertsCard } from '~/components/usage/spend-alerts-card';
import { UsagePanel } from '~/components/usage/usage-panel';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Usage · BYOK Studio' };

export default async function UsagePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  // The panel's first query (last 30 days by source, per day): in the page, not a second round trip.
  prefetch(trpc().usage.report.queryOptions({ workspaceId: ws.id, groupBy: 'source', interval: 'day' }));
  return (
    <HydrateClient>
      <PageHeader
        eyebrow="Settings"
        title="Usage"
        description={
          ws.role === 'owner'
            ? 'What this workspace used: Content Studio runs and gateway calls, by source, token, key, member, model or credential. Costs of your own keys are estimates from list prices.'
            : 'Your own Content Studio runs in this workspace: calls, tokens and credits.'
        }
      />
      <Suspense fallback={<LoadingBlock />}>
        <UsagePanel />
      </Suspense>
      {ws.role === 'owner' ? (
        <>
          <CapsCard workspaceId={ws.id} />
          <SpendAlertsCard workspaceId={ws.id} />
        </>
      ) : null}
    </HydrateClient>
  );
}
