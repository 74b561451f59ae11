import { headers } from 'next/headers';
import { Suspense } from 'react';
import { RestSnippets, WorkspaceIdCard } from '~/components/developers-panel';
import { PageHeader } from '~/components/shell/page-header';
import { TokensPanel } from '~/components/tokens-panel';
import { LoadingBlock } from '~/components/ui/skeleton';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Developers · BYOK Studio' };

/** The address the snippets use: the configured public URL, else the one this page was asked for. */
async function publicOrigin(): Promise<string> {
  if (process.env.APP_URL) return process.env.APP_URL.replace(/\/+$/, '');
  const h = await headers();
  const host = h.get('host') ?? 'localhost:3000';
  return `${h.get('x-forwarded-proto') === 'https' ? 'https' : 'http'}://${host}`;
}

export default async function DevelopersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().account.tokens.queryOptions());
  const origin = await publicOrigin();
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
