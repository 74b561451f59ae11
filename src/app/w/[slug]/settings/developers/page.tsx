import { Suspense } from 'react';
import { RestSnippets, WorkspaceIdCard } from '~/components/developers-panel';
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
  prefetch(trpc().account.tokens.queryOptions());
  const origin = pageServices().appUrl.replace(/\/+$/, '');
  return (
    <HydrateClient>
      <PageHeader eyebrow="Settings" title="Developers" description="Use this workspace from your own code: its ID, your personal access tokens and the REST API." />
      <WorkspaceIdCard workspaceId={ws.id} name={ws.name} />
      <Suspense fallback={<LoadingBlock label="Loading tokens…" />}>
        <TokensPanel />
      </Suspense>
      <RestSnippets origin={origin} workspaceId={ws.id} />
    </HydrateClient>
  );
}
