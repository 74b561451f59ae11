'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { GetKeyLink, SMALL_LINK } from '~/components/api-keys/get-key-link';
import { SecretInput } from '~/components/api-keys/secret-input';
import { Alert } from '~/components/ui/alert';
import {
  AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogDestructive, AlertDialogFooter,
  AlertDialogHeader, AlertDialogTitle,
} from '~/components/ui/alert-dialog';
import { Button } from '~/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '~/components/ui/dialog';
import { Input } from '~/components/ui/input';
import type { KeyDto } from '~/lib/schemas/keys';
import type { Tier } from '~/lib/schemas/models';
import { TIER_NAMES } from '~/lib/schemas/tiers';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

export type KeySaved = { keyId: string; text: string; warnings: string[] };

function useInvalidateKeys(workspaceId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId })),
      queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId })),
      queryClient.invalidateQueries(trpc.models.pathFilter()),
    ]);
}

export function AddKeyDialog({
  workspaceId,
  provider,
  onClose,
  onSaved,
}: {
  workspaceId: string;
  provider: ProviderId | null;
  onClose: () => void;
  onSaved: (saved: KeySaved) => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateKeys(workspaceId);
  const [label, setLabel] = useState('primary');
  const [apiKey, setApiKey] = useState('');
  const [expires, setExpires] = useState('');
  const create = useMutation({
    ...trpc.keys.create.mutationOptions(),
    gcTime: 0, // the variables hold the key: never keep them in the mutation cache
  });
  const name = provider ? PROVIDERS[provider].name : '';

  function close() {
    setApiKey('');
    setLabel('primary');
    setExpires('');
    create.reset();
    onClose();
  }

  return (
    <Dialog open={provider !== null} onOpenChange={(open) => (open ? null : close())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add {name} key</DialogTitle>
          <DialogDescription>
            We check the key with {name} before saving, store it encrypted and only ever show its first and last four characters.
          </DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!provider) return;
            create.mutate(
              // The end of the chosen day, in the owner's time zone.
              { workspaceId, provider, label, apiKey, expiresAt: expires ? new Date(`${expires}T23:59:59`) : null },
              {
                onSuccess: async (res) => {
                  setApiKey('');
                  await invalidate();
                  onSaved({
                    keyId: res.key.id,
                    text: `${name} key “${res.key.label}” saved: ${res.key.modelCount} models available.`,
                    warnings: res.warnings,
                  });
                  close();
                },
              },
            );
          }}
        >
          <div className="flex flex-col gap-1.5">
            <label htmlFor="key-label" className="text-sm font-medium">Label</label>
            <Input id="key-label" value={label} onChange={(e) => setLabel(e.target.value)} required maxLength={40} autoComplete="off" aria-describedby="key-label-help" />
            <p id="key-label-help" className="text-xs text-muted-foreground">Tells keys of the same provider apart, e.g. “primary” or “team-b”.</p>
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor="api-key" className="text-sm font-medium">API key</label>
            <SecretInput id="api-key" value={apiKey} onChange={setApiKey} describedBy="api-key-help" invalid={create.isError} />
            <p className="flex flex-wrap items-center justify-between gap-x-3 text-xs text-muted-foreground">
              <span id="api-key-help">Looks like <code className="font-mono">{provider ? PROVIDERS[provider].keyHint : ''}</code></span>
              {provider ? <GetKeyLink provider={provider} className={SMALL_LINK} /> : null}
            </p>
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor="key-expires" className="text-sm font-medium">Expires on (optional)</label>
            <Input id="key-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} aria-describedby="key-expires-help" />
            <p id="key-expires-help" className="text-xs text-muted-foreground">If the provider expires this key, owners are told a week before.</p>
          </div>
          {create.error ? <Alert>{create.error.message}</Alert> : null}
          <DialogFooter>
            <Button variant="secondary" onClick={close}>Cancel</Button>
            <Button type="submit" loading={create.isPending} disabled={apiKey.trim() === ''}>
              {create.isPending ? 'Checking key…' : 'Save key'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function ReplaceKeyDialog({
  workspaceId,
  target,
  onClose,
  onSaved,
  rotate = false,
}: {
  workspaceId: string;
  target: KeyDto | null;
  onClose: () => void;
  onSaved: (saved: KeySaved) => void;
  /** Rotation: the same swap, audited step by step, keeping the models the tier defaults use. */
  rotate?: boolean;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateKeys(workspaceId);
  const [apiKey, setApiKey] = useState('');
  const replace = useMutation({ ...(rotate ? trpc.keys.rotate : trpc.keys.replace).mutationOptions(), gcTime: 0 });
  const name = target ? PROVIDERS[target.provider].name : '';

  function close() {
    setApiKey('');
    replace.reset();
    onClose();
  }

  return (
    <Dialog open={target !== null} onOpenChange={(open) => (open ? null : close())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{rotate ? 'Rotate' : 'Replace'} {name} key “{target?.label}”</DialogTitle>
          <DialogDescription>
            The new key is checked first; the stored key (<code className="font-mono">{target?.maskedHint}</code>) is swapped only if the new one works.
            {rotate ? ' Calls in progress finish on the old key; the next call uses the new one — no downtime.' : null}
          </DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!target) return;
            replace.mutate(
              { workspaceId, keyId: target.id, apiKey },
              {
                onSuccess: async (res) => {
                  setApiKey('');
                  await invalidate();
                  onSaved({ keyId: res.key.id, text: `Key “${res.key.label}” ${rotate ? 'rotated' : 'replaced'}. Revoke the old key in the ${name} console.`, warnings: res.warnings });
                  close();
                },
              },
            );
          }}
        >
          <div className="flex flex-col gap-1.5">
            <label htmlFor="replace-api-key" className="text-sm font-medium">API key</label>
            <SecretInput id="replace-api-key" value={apiKey} onChange={setApiKey} describedBy="replace-api-key-help" invalid={replace.isError} />
            <p className="flex flex-wrap items-center justify-between gap-x-3 text-xs text-muted-foreground">
              <span id="replace-api-key-help">Looks like <code className="font-mono">{target ? PROVIDERS[target.provider].keyHint : ''}</code></span>
              {target ? <GetKeyLink provider={target.provider} className={SMALL_LINK} /> : null}
            </p>
          </div>
          {replace.error ? <Alert>{replace.error.message}</Alert> : null}
          <DialogFooter>
            <Button variant="secondary" onClick={close}>Cancel</Button>
            <Button type="submit" loading={replace.isPending} disabled={apiKey.trim() === ''}>
              {replace.isPending ? 'Checking key…' : 'Save key'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function RemoveKeyDialog({
  workspaceId,
  target,
  platformDefaults,
  onClose,
  onRemoved,
}: {
  workspaceId: string;
  target: KeyDto | null;
  /** Each tier's platform default, by display name: what a tier served by this key reverts to. */
  platformDefaults: Partial<Record<Tier, string>>;
  onClose: (removed: boolean) => void;
  onRemoved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateKeys(workspaceId);
  const remove = useMutation(trpc.keys.remove.mutationOptions());
  const name = target ? PROVIDERS[target.provider].name : '';
  const impact = useQuery({
    ...trpc.keys.removalImpact.queryOptions({ workspaceId, keyId: target?.id ?? '' }),
    enabled: target !== null,
    staleTime: 0,
  });
  const tiers = impact.data?.tiers ?? [];
  const reverts = (list: Tier[]) => list.map((t) => `${TIER_NAMES[t]} → ${platformDefaults[t] ?? 'its platform default'}`).join(', ');

  function close(removed = false) {
    remove.reset();
    onClose(removed);
  }

  return (
    <AlertDialog open={target !== null} onOpenChange={(open) => (open ? null : close())}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Remove {name} key “{target?.label ?? ''}”?</AlertDialogTitle>
          <AlertDialogDescription>
            The key <code className="font-mono">{target?.maskedHint}</code> is deleted permanently. It cannot be recovered or shown again.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {impact.isPending ? (
          <p className="text-sm text-muted-foreground" role="status">Checking which defaults use this key…</p>
        ) : tiers.length ? (
          <div role="note" className="rounded-md border border-amber-200 bg-warning-soft px-3 py-2 text-sm text-warning-foreground">
            {tiers.length === 1 ? 'This tier default reverts' : 'These tier defaults revert'} to the platform model and use credits:{' '}
            <span className="font-medium">{reverts(tiers)}</span>.
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">No tier default uses this key.</p>
        )}
        {remove.error ? <Alert>{remove.error.message}</Alert> : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogDestructive
            disabled={remove.isPending || impact.isPending}
            aria-busy={remove.isPending || undefined}
            onClick={() =>
              target &&
              remove.mutate(
                { workspaceId, keyId: target.id },
                {
                  onSuccess: async (res) => {
                    await invalidate();
                    onRemoved(
                      `${name} key “${target.label}” removed.` +
                        (res.revertedTiers.length ? ` ${reverts(res.revertedTiers)} (platform default).` : ''),
                    );
                    close(true);
                  },
                },
              )
            }
          >
            {remove.isPending ? 'Removing…' : 'Remove'}
          </AlertDialogDestructive>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
