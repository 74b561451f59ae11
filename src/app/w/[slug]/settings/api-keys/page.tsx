import { Suspense } from 'react';
import { ApiKeysPanel } from '~/components/api-keys/api-keys-panel';
import { PageHeader } from '~/components/shell/page-header';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'API Keys · BYOK Studio' };

export default async function ApiKeysPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().keys.list.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().models.tiers.queryOptions({ workspaceId: ws.id }));
  if (ws.role === 'owner') prefetch(trpc().keys.audit.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <PageHeader
        eyebrow="Settings"
        title="API Keys"
        description="Your own provider keys. Runs through them use your provider account and cost no credits here."
      />
      <Suspense fallback={<LoadingBlock label="Loading keys…" />}>
        <ApiKeysPanel />
      </Suspense>
    </HydrateClient>
  );
}
