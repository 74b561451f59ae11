'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useRef, useState } from 'react';
import dynamic from 'next/dynamic';
import { GetKeyLink } from '~/components/api-keys/get-key-link';
import { AuditLog } from '~/components/api-keys/key-activity';
import type { KeySaved } from '~/components/api-keys/key-dialogs';
import { KeyItem, moveButtonId } from '~/components/api-keys/key-item';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import type { KeyDto } from '~/lib/schemas/keys';
import type { Tier } from '~/lib/schemas/models';
import { BYOK_PLAN_NAMES, PLANS } from '~/lib/plans';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

// The dialogs load after the page: none is open when it is first shown.
const AddKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.AddKeyDialog), { ssr: false });
const ReplaceKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.ReplaceKeyDialog), { ssr: false });
const RemoveKeyDialog = dynamic(() => import('~/components/api-keys/key-dialogs').then((m) => m.RemoveKeyDialog), { ssr: false });
const ExpiryDialog = dynamic(() => import('~/components/api-keys/expiry-dialog').then((m) => m.ExpiryDialog), { ssr: false });

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
  const [dating, setDating] = useState<KeyDto | null>(null);
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
    if (reorder.isPending) return;
    const ids = keys.filter((k) => k.provider === provider).map((k) => k.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + by, 0, moved!);
    reorder.mutate(
      { workspaceId, provider, keyIds: ids },
      {
        // Moving a list item takes the keyboard focus with it, or drops it when the item is re-inserted:
        // put it back on the moved key's button (the other one when the key reached the end).
        onSuccess: () =>
          setTimeout(() => {
            const same = document.getElementById(moveButtonId(moved!, by)) as HTMLButtonElement | null;
            (same && !same.disabled ? same : document.getElementById(moveButtonId(moved!, by === -1 ? 1 : -1)))?.focus();
          }, 0),
      },
    );
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
      {!isOwner ? <Alert tone="info">Only the workspace owner can add, verify, replace, rotate, pause, reorder or remove keys and set their expiry dates.</Alert> : null}

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
                        onExpiry={() => setDating(k)}
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
      <ExpiryDialog workspaceId={workspaceId} target={dating} onClose={() => setDating(null)} />
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

