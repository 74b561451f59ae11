'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, Plus } from 'lucide-react';
import Link from 'next/link';
import { useRef, useState } from 'react';
import dynamic from 'next/dynamic';
import { GetKeyLink } from '~/components/api-keys/get-key-link';
import type { KeySaved } from '~/components/api-keys/key-dialogs';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { RelativeTime } from '~/components/ui/time';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import type { KeyDto } from '~/lib/schemas/keys';
import type { Tier } from '~/lib/schemas/models';
import { BYOK_PLAN_NAMES, PLANS } from '~/lib/plans';
import { outcomeMessage, PROVIDER_IDS, PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

// The dialogs load after the page: none is open when it is first shown.
const AddKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.AddKeyDialog), { ssr: false });
const ReplaceKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.ReplaceKeyDialog), { ssr: false });
const RemoveKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.RemoveKeyDialog), { ssr: false });

const STATUS: Record<KeyDto['status'], { text: string; tone: 'success' | 'danger' | 'warning' }> = {
  active: { text: 'Active', tone: 'success' },
  failing: { text: 'Failing', tone: 'danger' },
  needs_reentry: { text: 'Re-enter key', tone: 'warning' },
};

export function ApiKeysPanel() {
  const trpc = useTRPC();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: keys } = useSuspenseQuery(trpc.keys.list.queryOptions({ workspaceId }));
  const { data: tierData } = useSuspenseQuery(trpc.models.tiers.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const byok = PLANS[ws.plan].byok;
  const canAdd = isOwner && byok;
  const [adding, setAdding] = useState<ProviderId | null>(null);
  const [replacing, setReplacing] = useState<KeyDto | null>(null);
  const [rotating, setRotating] = useState<KeyDto | null>(null);
  const [removing, setRemoving] = useState<KeyDto | null>(null);
  const [saved, setSaved] = useState<KeySaved | null>(null);
  const headings = useRef<Partial<Record<ProviderId, HTMLHeadingElement | null>>>({});
  const platformDefaults = Object.fromEntries(tierData.tiers.map((t) => [t.tier, t.platformDefault.displayName])) as Partial<Record<Tier, string>>;

  const queryClient = useQueryClient();
  // Up/down within a provider's keys: the whole order is sent, so the server can check it names each key once.
  const reorder = useMutation(
    trpc.keys.reorder.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId })),
          queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId })),
        ]);
      },
      onError: (e) => toast.error('The order was not changed', e.message),
    }),
  );
  const move = (provider: ProviderId, index: number, by: -1 | 1) => {
    const ids = keys.filter((k) => k.provider === provider).map((k) => k.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + by, 0, moved!);
    reorder.mutate({ workspaceId, provider, keyIds: ids });
  };

  const onSaved = (s: KeySaved) => {
    setSaved(s);
    toast.success(s.text, s.warnings.length ? 'Saved with a note: see the key.' : undefined);
  };

  return (
    <div className="flex flex-col gap-4">
      {!byok ? (
        <Alert
          tone="info"
          title={`Your own keys need the ${BYOK_PLAN_NAMES.join(', ')} plan`}
          action={
            <Button asChild size="sm" variant="secondary">
              <Link href={`/w/${slug}/settings/plan`}>See plans</Link>
            </Button>
          }
        >
          This workspace is on {PLANS[ws.plan].name}: its runs use platform models and credits. Bring-your-own-key is available on the{' '}
          {BYOK_PLAN_NAMES.join(', ')} plans.
        </Alert>
      ) : null}
      {!isOwner ? <Alert tone="info">Only the workspace owner can add, verify, replace, pause or remove keys.</Alert> : null}

      <div className="grid gap-3">
        {PROVIDER_IDS.map((provider) => {
          const p = PROVIDERS[provider];
          const mine = keys.filter((k) => k.provider === provider);
          const headingId = `provider-${provider}`;
          return (
            <Card key={provider} aria-labelledby={headingId} className="p-0 sm:p-0">
              <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-5">
                <ProviderMark provider={provider} className="size-8 rounded-md" />
                <div className="min-w-0 flex-1">
                  <CardTitle
                    id={headingId}
                    tabIndex={-1}
                    ref={(el) => {
                      headings.current[provider] = el;
                    }}
                    className="outline-none"
                  >
                    {p.name}
                  </CardTitle>
                  <CardDescription className="mt-0">
                    Keys look like <code className="font-mono text-xs">{p.keyHint}</code>
                  </CardDescription>
                </div>
                {canAdd ? (
                  <div className="flex items-center gap-3">
                    <GetKeyLink provider={provider} />
                    <Button size="sm" variant="secondary" aria-label={`Add key for ${p.name}`} onClick={() => setAdding(provider)}>
                      <Plus aria-hidden />
                      Add key
                    </Button>
                  </div>
                ) : null}
              </div>
              <div className="border-t border-border">
                {mine.length === 0 ? (
                  <p className="px-4 py-3 text-sm text-muted-foreground sm:px-5">No key yet.</p>
                ) : (
                  <ul className="divide-y divide-border" aria-label={`${p.name} keys`}>
                    {mine.map((k, i) => (
                      <KeyItem
                        key={k.id}
                        k={k}
                        isOwner={isOwner}
                        byok={byok}
                        order={mine.length > 1 ? { index: i, count: mine.length, busy: reorder.isPending, move: (by) => move(provider, i, by) } : null}
                        saved={saved?.keyId === k.id ? saved : null}
                        onReplace={() => setReplacing(k)}
                        onRotate={() => setRotating(k)}
                        onRemove={() => setRemoving(k)}
                      />
                    ))}
                  </ul>
                )}
              </div>
            </Card>
          );
        })}
      </div>

      {isOwner ? <AuditLog workspaceId={workspaceId} /> : null}

      <AddKeyDialog workspaceId={workspaceId} provider={adding} onClose={() => setAdding(null)} onSaved={onSaved} />
      <ReplaceKeyDialog workspaceId={workspaceId} target={replacing} onClose={() => setReplacing(null)} onSaved={onSaved} />
      <ReplaceKeyDialog workspaceId={workspaceId} target={rotating} onClose={() => setRotating(null)} onSaved={onSaved} rotate />
      <RemoveKeyDialog
        workspaceId={workspaceId}
        target={removing}
        platformDefaults={platformDefaults}
        onClose={(removed) => {
          const provider = removing?.provider;
          setRemoving(null);
          // The Remove button went with the key: put focus on its provider's card instead of the page.
          if (removed && provider) setTimeout(() => headings.current[provider]?.focus(), 0);
        }}
        onRemoved={(text) => toast.success(text)}
      />
    </div>
  );
}

function KeyItem({
  k,
  isOwner,
  byok,
  saved,
  onReplace,
  onRotate,
  onRemove,
  order,
}: {
  k: KeyDto;
  isOwner: boolean;
  byok: boolean;
  /** Its place among the provider's keys (failover order), when there are several. */
  order: { index: number; count: number; busy: boolean; move: (by: -1 | 1) => void } | null;
  saved: KeySaved | null;
  onReplace: () => void;
  onRotate: () => void;
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
                <Button variant="secondary" size="xs" loading={pause.isPending} onClick={() => pause.mutate({ workspaceId, keyId: k.id })}>
                  {paused ? 'Resume' : 'Pause'}
                </Button>
                {order ? (
                  <>
                    <Button
                      variant="ghost"
                      size="xs"
                      aria-label={`Move ${name} key ${k.label} up`}
                      disabled={order.index === 0 || order.busy}
                      onClick={() => order.move(-1)}
                    >
                      <ArrowUp aria-hidden />
                    </Button>
                    <Button
                      variant="ghost"
                      size="xs"
                      aria-label={`Move ${name} key ${k.label} down`}
                      disabled={order.index === order.count - 1 || order.busy}
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
              expires <RelativeTime date={k.expiresAt} />
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

// Within the week before: owners are notified then, and the date stands out.
const soon = (d: Date) => d.getTime() - Date.now() < 7 * 86_400_000;

const ordinal = (n: number) => `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

function AuditLog({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data: events } = useSuspenseQuery(trpc.keys.audit.queryOptions({ workspaceId }));
  return (
    <Card>
      <CardTitle>Key activity</CardTitle>
      <CardDescription>Every add, check, replacement and removal, newest first.</CardDescription>
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
