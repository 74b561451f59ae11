'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { credits, formatWhen } from '~/lib/format';
import { Button, Card } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { CREDENTIAL_LABELS } from '~/lib/schemas/runs';
import { useTRPC } from '~/trpc/react';

export function RunHistory() {
  const trpc = useTRPC();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const q = useInfiniteQuery(
    trpc.generation.history.infiniteQueryOptions({ workspaceId, limit: 10 }, { getNextPageParam: (last) => last.nextCursor }),
  );
  const runs = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card>
      <h2 className="text-lg font-semibold">History</h2>
      {q.isPending ? <p className="mt-2 text-sm text-slate-500">Loading…</p> : null}
      {!q.isPending && runs.length === 0 ? <p className="mt-2 text-sm text-slate-500">No runs yet.</p> : null}
      <ul className="mt-2 divide-y divide-slate-100 text-sm" aria-label="Run history">
        {runs.map((r) => (
          <li key={r.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
            <Link href={`/w/${slug}/studio/runs/${r.id}`} className="max-w-full truncate font-medium text-brand-700 underline sm:max-w-md">
              {r.prompt}
            </Link>
            <span className="text-slate-600">{r.status}</span>
            <span className="text-slate-500">{r.model ?? ''}{r.credentialSource ? ` · ${CREDENTIAL_LABELS[r.credentialSource]}` : ''}</span>
            <span className="text-slate-500">{credits(r.creditsUsed)}</span>
            <span className="ml-auto text-xs text-slate-500">{formatWhen(r.createdAt)}</span>
          </li>
        ))}
      </ul>
      {q.hasNextPage ? (
        <Button variant="secondary" className="mt-2" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>Load more</Button>
      ) : null}
    </Card>
  );
}
