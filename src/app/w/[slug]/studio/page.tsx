import { Suspense } from 'react';
import { RunHistory } from '~/components/studio/run-history';
import { StudioPanel } from '~/components/studio/studio-panel';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export default async function StudioPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <div className="flex flex-col gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Content Studio</h1>
          <p className="text-sm text-slate-600">Write a prompt, pick a model or a tier, and generate a script with images.</p>
        </div>
        <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
          <StudioPanel />
        </Suspense>
        <RunHistory />
      </div>
    </HydrateClient>
  );
}
