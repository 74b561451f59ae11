'use client';
// The credit ledger on Plan & credits (owners): every grant, renewal, reservation, charge and release,
// newest first, 25 at a time.
import { useInfiniteQuery } from '@tanstack/react-query';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Skeleton } from '~/components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import { RelativeTime } from '~/components/ui/time';
import type { LedgerEntry } from '~/lib/schemas/ledger';
import { useTRPC } from '~/trpc/react';

const KIND: Record<LedgerEntry['kind'], { label: string; tone: 'neutral' | 'accent' | 'success' | 'warning' }> = {
  grant: { label: 'Grant', tone: 'success' },
  renewal: { label: 'Renewal', tone: 'success' },
  reservation: { label: 'Reserved', tone: 'neutral' },
  charge: { label: 'Charged', tone: 'accent' },
  release: { label: 'Released', tone: 'neutral' },
};

const signed = (n: number) => (n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US'));

export function LedgerCard({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const q = useInfiniteQuery(trpc.billing.ledger.infiniteQueryOptions({ workspaceId }, { getNextPageParam: (last) => last.nextCursor }));
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <Card className="p-0 sm:p-0">
      <div className="px-4 pt-4 sm:px-5">
        <CardTitle id="ledger-title">Credit ledger</CardTitle>
        <CardDescription>
          Every change to the balance. Work reserves credits before it starts; when it ends, the reservation is charged at the actual cost and the rest comes back, or released in full.
        </CardDescription>
      </div>
      <div className="mt-3">
        {q.isPending ? (
          <div role="status" className="flex flex-col gap-2 px-4 pb-4 sm:px-5"><span className="sr-only">Loading the ledger…</span><Skeleton className="h-8" /><Skeleton className="h-8" /></div>
        ) : q.isError ? (
          <p role="alert" className="px-4 pb-4 text-sm text-destructive-foreground sm:px-5">{q.error.message}</p>
        ) : entries.length === 0 ? (
          <p className="px-4 pb-4 text-sm text-muted-foreground sm:px-5">No credit movements yet.</p>
        ) : (
          <Table label="Credit ledger">
            <TableHeader>
              <TableRow>
                <TableHead>When</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>What</TableHead>
                <TableHead className="text-right">Change</TableHead>
                <TableHead className="text-right">Balance</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.map((e) => (
                <TableRow key={e.id}>
                  <TableCell className="whitespace-nowrap text-muted-foreground"><RelativeTime date={e.at} /></TableCell>
                  <TableCell><Badge tone={KIND[e.kind].tone}>{KIND[e.kind].label}</Badge></TableCell>
                  <TableCell className="max-w-80 truncate" title={e.reason}>
                    {e.reason}
                    {e.charged !== null ? <span className="text-muted-foreground"> · cost {e.charged.toLocaleString('en-US')}</span> : null}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{signed(e.amount)}</TableCell>
                  <TableCell className="text-right tabular-nums">{e.balanceAfter.toLocaleString('en-US')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {q.hasNextPage ? (
          <div className="border-t border-border px-4 py-3 sm:px-5">
            <Button variant="secondary" size="sm" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>Show older</Button>
          </div>
        ) : null}
      </div>
    </Card>
  );
}
