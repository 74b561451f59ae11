'use client';
// One key on the API Keys page: its state, the owner's controls (verify, replace, rotate, pause, expiry
// date, failover order, remove) and what the last check said.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowDown, ArrowUp } from 'lucide-react';
import { useState, useSyncExternalStore } from 'react';
import type { KeySaved } from '~/components/api-keys/key-dialogs';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { RelativeTime } from '~/components/ui/time';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import type { KeyDto } from '~/lib/schemas/keys';
import { outcomeMessage, PROVIDERS } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

const STATUS: Record<KeyDto['status'], { text: string; tone: 'success' | 'danger' | 'warning' }> = {
  active: { text: 'Active', tone: 'success' },
  failing: { text: 'Failing', tone: 'danger' },
  needs_reentry: { text: 'Re-enter key', tone: 'warning' },
};

/** Its place among the provider's keys (failover order), when there are several. */
export type KeyOrder = { index: number; count: number; busy: boolean; move: (by: -1 | 1) => void };

/** The id of a key's up or down button, so focus can follow the key after a move. */
export const moveButtonId = (keyId: string, by: -1 | 1) => `move-${keyId}-${by === -1 ? 'up' : 'down'}`;

export function KeyItem({
  k,
  isOwner,
  byok,
  saved,
  onReplace,
  onRotate,
  onExpiry,
  onRemove,
  order,
}: {
  k: KeyDto;
  isOwner: boolean;
  byok: boolean;
  order: KeyOrder | null;
  saved: KeySaved | null;
  onReplace: () => void;
  onRotate: () => void;
  onExpiry: () => void;
  onRemove: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const name = PROVIDERS[k.provider].name;
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  // One mutation per key: Verify shows its progress on the key that was clicked, and nowhere else.
  const verify = useMutation(
    trpc.keys.verify.mutationOptions({
      onMutate: () => setResult(null),
      onSuccess: async (r) => {
        setResult({ ok: r.outcome === 'valid', text: r.message });
        await Promise.all([
          queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId })),
          queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId })),
          queryClient.invalidateQueries(trpc.models.pathFilter()),
        ]);
      },
      onError: (e) => setResult({ ok: false, text: e.message }),
    }),
  );
  const pause = useMutation(
    (k.pausedAt ? trpc.keys.resume : trpc.keys.pause).mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.pausedAt ? `${name} key ${k.label} paused: it serves nothing until resumed` : `${name} key ${k.label} resumed`);
        await Promise.all([
          queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId })),
          queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId })),
        ]);
      },
      onError: (e) => toast.error('The key was not changed', e.message),
    }),
  );
  const status = STATUS[k.status];
  const failing = k.status !== 'active';
  const paused = k.pausedAt !== null;

  return (
    <li aria-label={`${name} key ${k.label}`} className="flex flex-col gap-2 px-4 py-3 sm:px-5">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <div className="flex min-w-0 flex-1 flex-wrap items-center gap-2">
          <span className="font-medium">{k.label}</span>
          <code className="whitespace-nowrap rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{k.maskedHint}</code>
          <Badge tone={status.tone}>{status.text}</Badge>
          {paused ? <Badge tone="warning">Paused</Badge> : null}
          <ExpiryBadge expiresAt={k.expiresAt} />
          {order ? <span className="text-xs text-muted-foreground">{order.index === 0 ? 'Tried first' : `Tried ${ordinal(order.index + 1)}`}</span> : null}
        </div>
        {isOwner ? (
          <div className="flex flex-wrap gap-1.5">
            {byok ? (
              <>
                <Button variant="secondary" size="xs" loading={verify.isPending} onClick={() => verify.mutate({ workspaceId, keyId: k.id })}>
                  {verify.isPending ? 'Verifying…' : 'Verify'}
                </Button>
                <Button variant="secondary" size="xs" onClick={onReplace}>Replace</Button>
                <Button variant="secondary" size="xs" onClick={onRotate}>Rotate</Button>
                {/* Not disabled while saving: a disabled button drops the keyboard focus to the page. */}
                <Button
                  variant="secondary"
                  size="xs"
                  aria-busy={pause.isPending || undefined}
                  onClick={() => (pause.isPending ? null : pause.mutate({ workspaceId, keyId: k.id }))}
                >
                  {paused ? 'Resume' : 'Pause'}
                </Button>
                <Button variant="secondary" size="xs" aria-label={`Expiry date for ${name} key ${k.label}`} onClick={onExpiry}>
                  Expiry date
                </Button>
                {order ? (
                  <>
                    <Button
                      id={moveButtonId(k.id, -1)}
                      variant="ghost"
                      size="xs"
                      aria-label={`Move ${name} key ${k.label} up`}
                      aria-busy={order.busy || undefined}
                      disabled={order.index === 0}
                      onClick={() => order.move(-1)}
                    >
                      <ArrowUp aria-hidden />
                    </Button>
                    <Button
                      id={moveButtonId(k.id, 1)}
                      variant="ghost"
                      size="xs"
                      aria-label={`Move ${name} key ${k.label} down`}
                      aria-busy={order.busy || undefined}
                      disabled={order.index === order.count - 1}
                      onClick={() => order.move(1)}
                    >
                      <ArrowDown aria-hidden />
                    </Button>
                  </>
                ) : null}
              </>
            ) : null}
            <Button variant="danger-ghost" size="xs" onClick={onRemove}>Remove</Button>
          </div>
        ) : null}
      </div>
      <p className="text-xs text-muted-foreground">
        {k.modelCount} models · {failing ? 'last checked' : 'verified'} <RelativeTime date={k.lastValidatedAt} /> · last used{' '}
        <RelativeTime date={k.lastUsedAt} /> · added by {k.createdBy}
        {k.expiresAt ? (
          <>
            {' · '}
            <span className={soon(k.expiresAt) ? 'font-medium text-warning-foreground' : undefined}>
              Expires <KeyDate date={k.expiresAt} /> (<RelativeTime date={k.expiresAt} />)
            </span>
          </>
        ) : null}
      </p>
      {failing ? (
        <Alert tone={k.status === 'failing' ? 'error' : 'warning'} className="py-2 text-xs">
          {k.status === 'needs_reentry'
            ? 'This key can no longer be read. Replace it with the same or a new key.'
            : k.lastOutcome && k.lastOutcome !== 'valid'
              ? outcomeMessage(k.lastOutcome, k.provider)
              : `${name} rejected this key. Verify it again or replace it.`}
        </Alert>
      ) : null}
      {paused ? (
        <Alert tone="info" className="py-2 text-xs">
          Paused: runs and gateway calls treat this key as missing{order ? ' and try the next key' : ''}, then follow the workspace’s fallback policy
          (Settings → Models).
        </Alert>
      ) : null}
      {k.alsoConnectedIn.length ? (
        <Alert tone="warning" className="py-2 text-xs">
          This key is also connected in {k.alsoConnectedIn.join(', ')}. One key per workspace makes it easier to revoke access to one workspace.
        </Alert>
      ) : null}
      {saved?.warnings.length ? (
        <Alert tone="warning" className="py-2 text-xs" title="Saved, with a note">{saved.warnings.join(' ')}</Alert>
      ) : null}
      <div aria-live="polite">
        {result ? (
          <p role="status" className={result.ok ? 'text-xs text-success-foreground' : 'text-xs text-destructive-foreground'}>
            {result.text}
          </p>
        ) : null}
      </div>
    </li>
  );
}

const DAY = 86_400_000;
// Within the week before: owners are notified then, and the date stands out.
const soon = (d: Date) => d.getTime() - Date.now() < 7 * DAY;

const ordinal = (n: number) => `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

/** "Expires soon" in the week the owners are notified, "Expired" after the date. */
function ExpiryBadge({ expiresAt }: { expiresAt: Date | null }) {
  const now = useSyncExternalStore(noSubscription, () => Math.floor(Date.now() / 60_000) * 60_000, () => null);
  if (!expiresAt || now === null) return null;
  if (expiresAt.getTime() <= now) return <Badge tone="danger">Expired</Badge>;
  return expiresAt.getTime() - now < 7 * DAY ? <Badge tone="warning">Expires soon</Badge> : null;
}

const noSubscription = () => () => {};

/**
 * The day the owner picked (the date is stored as the end of that day in their time zone): in the
 * browser, their local day; on the server, which cannot know it, the UTC day.
 */
export function KeyDate({ date }: { date: Date }) {
  const local = useSyncExternalStore(noSubscription, () => true, () => false);
  const text = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', ...(local ? {} : { timeZone: 'UTC' }) });
  return <time dateTime={date.toISOString()}>{text}</time>;
}
