import { Suspense } from 'react';
import { RestSnippets, WorkspaceIdCard } from '~/components/developers-panel';
import { GatewayPanel } from '~/components/gateway/gateway-panel';
import { PageHeader } from '~/components/shell/page-header';
import { TokensPanel } from '~/components/tokens-panel';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { pageServices } from '~/server/page-services';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Developers · BYOK Studio' };

export default async function DevelopersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  const owner = ws.role === 'owner';
  prefetch(trpc().account.tokens.queryOptions());
  if (owner) {
    prefetch(trpc().developers.runtimeTokens.queryOptions({ workspaceId: ws.id }));
    prefetch(trpc().developers.gatewayCalls.queryOptions({ workspaceId: ws.id }));
    prefetch(trpc().usage.caps.queryOptions({ workspaceId: ws.id }));
  }
  const origin = pageServices().appUrl.replace(/\/+$/, '');
  return (
    <HydrateClient>
      <PageHeader
        eyebrow="Settings"
        title="Developers"
        description="Use this workspace from your own code: call the providers through its AI gateway, or change its settings with the REST API."
      />
      <WorkspaceIdCard workspaceId={ws.id} name={ws.name} />
      <h2 className="mt-2 text-base font-semibold">AI gateway</h2>
      <GatewayPanel origin={origin} canManage={owner} />
      <h2 className="mt-2 text-base font-semibold">REST API</h2>
      <Suspense fallback={<LoadingBlock label="Loading tokens…" />}>
        <TokensPanel />
      </Suspense>
      <RestSnippets origin={origin} workspaceId={ws.id} />
    </HydrateClient>
  );
}
