'use client';

import { useSuspenseQuery } from '@tanstack/react-query';
import { Activity } from 'lucide-react';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import { RelativeTime } from '~/components/ui/time';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { GATEWAY, GATEWAY_PROVIDERS, type GatewayProvider } from '~/lib/gateway';
import type { GatewayCallDto } from '~/lib/schemas/gateway';
import { useTRPC } from '~/trpc/react';

const providerName = (p: string) => ((GATEWAY_PROVIDERS as readonly string[]).includes(p) ? GATEWAY[p as GatewayProvider].name : p);

function tokens(c: GatewayCallDto): string {
  if (c.inputTokens === null && c.outputTokens === null) return '—';
  return `${c.inputTokens ?? 0} → ${c.outputTokens ?? 0}`;
}

/** The workspace's latest gateway calls (recorded within a second of their end). */
export function RecentCalls() {
  const trpc = useTRPC();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: calls, refetch, isFetching } = useSuspenseQuery(trpc.developers.gatewayCalls.queryOptions({ workspaceId }));
  return (
    <Card aria-labelledby="gateway-calls-title">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <CardTitle id="gateway-calls-title">Recent gateway calls</CardTitle>
          <CardDescription>The last 50 calls through the gateway, newest first.</CardDescription>
        </div>
        <Button variant="secondary" size="sm" loading={isFetching} onClick={() => void refetch()}>Refresh</Button>
      </div>
      {calls.length === 0 ? (
        <div className="mt-4 flex items-center gap-3 rounded-md border border-dashed border-border px-3 py-4 text-sm text-muted-foreground">
          <Activity aria-hidden className="size-4" /> No calls yet. Run one of the snippets above.
        </div>
      ) : (
        <Table label="Recent gateway calls" className="mt-4">
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Token</TableHead>
              <TableHead>Call</TableHead>
              <TableHead>Paid with</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Tokens in → out</TableHead>
              <TableHead className="text-right">Credits</TableHead>
              <TableHead className="text-right">Time</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {calls.map((c) => (
              <TableRow key={c.id}>
                <TableCell className="whitespace-nowrap text-muted-foreground"><RelativeTime date={c.createdAt} /></TableCell>
                <TableCell><code className="font-mono text-xs">{c.tokenPrefix ? `${c.tokenPrefix}…` : '—'}</code></TableCell>
                <TableCell>
                  <span className="font-medium">{providerName(c.provider)}</span> <span className="text-muted-foreground">{c.operation}{c.stream ? ' (stream)' : ''}</span>
                  {c.model ? <div className="font-mono text-xs text-muted-foreground">{c.model}</div> : null}
                </TableCell>
                <TableCell>{c.credentialSource === 'byok' ? <Badge tone="accent">Your key</Badge> : <Badge tone="neutral">Credits</Badge>}</TableCell>
                <TableCell>
                  <Badge tone={c.status < 400 ? 'success' : c.status < 500 ? 'warning' : 'danger'}>{c.status}</Badge>
                  {c.outcome && c.outcome !== 'ok' ? <div className="text-xs text-muted-foreground">{c.outcome.replaceAll('_', ' ')}</div> : null}
                </TableCell>
                <TableCell className="whitespace-nowrap text-right tabular-nums">{tokens(c)}</TableCell>
                <TableCell className="text-right tabular-nums">{c.credentialSource === 'byok' ? '—' : credits(c.credits)}</TableCell>
                <TableCell className="whitespace-nowrap text-right tabular-nums">{c.latencyMs} ms</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
