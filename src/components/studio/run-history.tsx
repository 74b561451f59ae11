'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ChevronRight, History } from 'lucide-react';
import Link from 'next/link';
import { RunStatusBadge } from '~/components/studio/run-parts';
import { Button } from '~/components/ui/button';
import { Card, CardTitle } from '~/components/ui/card';
import { Skeleton } from '~/components/ui/skeleton';
import { RelativeTime } from '~/components/ui/time';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { modelNameById } from '~/lib/model-names';
import { CREDENTIAL_LABELS } from '~/lib/schemas/runs';
import { useTRPC } from '~/trpc/react';

/** Past runs, newest first. `compact`: the last few, for Content Studio, with a link to all of them. */
export function RunHistory({ compact = false }: { compact?: boolean }) {
  const trpc = useTRPC();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: catalog } = useQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const q = useInfiniteQuery(
    trpc.generation.history.infiniteQueryOptions({ workspaceId, limit: compact ? 5 : 20 }, { getNextPageParam: (last) => last.nextCursor }),
  );
  const runs = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card className="p-0 sm:p-0" aria-labelledby="history-title">
      <div className="flex items-center justify-between gap-3 px-4 py-3 sm:px-5">
        <CardTitle id="history-title">{compact ? 'Recent runs' : 'All runs'}</CardTitle>
        {compact && runs.length ? (
          <Link href={`/w/${slug}/runs`} className="text-sm font-medium text-accent-foreground underline-offset-4 hover:underline">View all runs</Link>
        ) : null}
      </div>
      {q.isPending ? (
        <div role="status" className="flex flex-col gap-2 border-t border-border px-4 py-3 sm:px-5">
          <span className="sr-only">Loading runs…</span>
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      ) : null}
      {!q.isPending && runs.length === 0 ? (
        <div className="flex flex-col items-center gap-2 border-t border-border px-4 py-10 text-center">
          <History aria-hidden className="size-6 text-muted-foreground" />
          <p className="text-sm font-medium">No runs yet</p>
          <p className="max-w-sm text-sm text-muted-foreground">
            {compact ? 'Write a prompt above and press Generate: the script and images appear here.' : 'Runs from Content Studio are listed here with what they cost.'}
          </p>
          {compact ? null : (
            <Button asChild size="sm" variant="secondary" className="mt-1">
              <Link href={`/w/${slug}/studio`}>Open Content Studio</Link>
            </Button>
          )}
        </div>
      ) : null}
      {runs.length ? (
        <ul className="divide-y divide-border border-t border-border" aria-label="Run history">
          {runs.map((r) => (
            <li key={r.id} className="group relative flex items-center gap-3 px-4 py-2.5 hover:bg-canvas sm:px-5">
              <div className="min-w-0 flex-1">
                <Link href={`/w/${slug}/runs/${r.id}`} className="block truncate text-sm font-medium after:absolute after:inset-0">
                  {r.prompt}
                </Link>
                <p className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-xs text-muted-foreground">
                  <span>{r.model ? modelNameById(catalog ?? null, r.model) : 'No model'}</span>
                  {r.credentialSource ? <span>· {CREDENTIAL_LABELS[r.credentialSource]}</span> : null}
                  <span>· {credits(r.creditsUsed)}</span>
                  <span>· <RelativeTime date={r.createdAt} /></span>
                </p>
              </div>
              <RunStatusBadge status={r.status} />
              <ChevronRight aria-hidden className="size-4 shrink-0 text-muted-foreground" />
            </li>
          ))}
        </ul>
      ) : null}
      {!compact && q.hasNextPage ? (
        <div className="border-t border-border px-4 py-3 sm:px-5">
          <Button variant="secondary" size="sm" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>Load more</Button>
        </div>
      ) : null}
    </Card>
  );
}
