import { ArrowLeft } from 'lucide-react';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader } from '~/components/shell/page-header';
import { RunDetail } from '~/components/studio/run-detail';
import { currentWorkspace } from '~/app/current-workspace';
import { pageServices } from '~/server/page-services';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const metadata = { title: 'Run · BYOK Studio' };

export default async function RunPage({ params }: { params: Promise<{ slug: string; runId: string }> }) {
  const { slug, runId } = await params;
  const ws = await currentWorkspace(slug);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) notFound();
  const run = await pageServices().run(ws.id, runId);
  if (!run) notFound();
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <div className="flex flex-col gap-6">
        <Link href={`/w/${slug}/runs`} className="inline-flex w-fit items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft aria-hidden className="size-4" /> All runs
        </Link>
        <PageHeader title="Run" description={<span className="line-clamp-2 break-words">{run.prompt}</span>} />
        <RunDetail run={run} />
      </div>
    </HydrateClient>
  );
}
