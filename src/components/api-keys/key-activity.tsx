'use client';
// The owner's record of what happened to the workspace's keys (audit rows, newest first).
import { useSuspenseQuery } from '@tanstack/react-query';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { RelativeTime } from '~/components/ui/time';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

const OPERATIONS: Record<string, string> = {
  'key.create': 'Added',
  'key.replace': 'Replaced',
  'key.verify': 'Verified',
  'key.remove': 'Removed',
  'key.decrypt_failed': 'Could not read',
  'key.pause': 'Paused',
  'key.resume': 'Resumed',
  'key.reorder': 'Reordered',
  'key.rotate': 'Rotated',
  'key.rotate_probe': 'Checked the new key',
  'key.expiry': 'Expiry date',
  'workspace.fallback_policy': 'Fallback policy',
};

export function AuditLog({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data: events } = useSuspenseQuery(trpc.keys.audit.queryOptions({ workspaceId }));
  return (
    <Card>
      <CardTitle>Key activity</CardTitle>
      <CardDescription>Every add, check, replacement, rotation, pause, reorder, expiry date and removal, newest first.</CardDescription>
      {events.length === 0 ? (
        <p className="mt-3 text-sm text-muted-foreground">Nothing yet.</p>
      ) : (
        <ul className="mt-3 divide-y divide-border text-sm" aria-label="Key activity">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap items-center gap-x-2 gap-y-0.5 py-2">
              {e.provider && e.provider in PROVIDERS ? <ProviderMark provider={e.provider as ProviderId} className="size-4" /> : null}
              <span className="font-medium">
                {(e.operation === 'key.create' || e.operation === 'key.replace') && e.outcome !== 'valid'
                  ? 'Refused'
                  : (OPERATIONS[e.operation] ?? e.operation)}
              </span>
              <span>{e.provider ? (PROVIDERS[e.provider as ProviderId]?.name ?? e.provider) : ''} {e.label ? `“${e.label}”` : ''}</span>
              {e.outcome ? <span className="text-muted-foreground">({e.outcome.replace(/_/g, ' ')})</span> : null}
              <span className="ml-auto text-xs text-muted-foreground">
                {e.actor} · <RelativeTime date={e.createdAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
