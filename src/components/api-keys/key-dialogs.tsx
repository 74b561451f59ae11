'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { SecretInput } from '~/components/api-keys/secret-input';
import { Dialog } from '~/components/dialog';
import { Alert, Button } from '~/components/ui';
import type { KeyDto } from '~/lib/schemas/keys';
import { TIER_NAMES } from '~/lib/schemas/tiers';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

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
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateKeys(workspaceId);
  const [label, setLabel] = useState('primary');
  const [apiKey, setApiKey] = useState('');
  const create = useMutation({
    ...trpc.keys.create.mutationOptions(),
    gcTime: 0, // the variables hold the key: never keep them in the mutation cache
  });
  const name = provider ? PROVIDERS[provider].name : '';

  function close() {
    setApiKey('');
    setLabel('primary');
    create.reset();
    onClose();
  }

  return (
    <Dialog open={provider !== null} onClose={close} title={`Add ${name} key`}>
      <form
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (!provider) return;
          create.mutate(
            { workspaceId, provider, label, apiKey },
            {
              onSuccess: async (res) => {
                setApiKey('');
                await invalidate();
                onSaved(
                  `${name} key "${res.key.label}" saved: ${res.key.modelCount} models available.` +
                    (res.warnings.length ? ` Note: ${res.warnings.join(' ')}` : ''),
                );
                close();
              },
            },
          );
        }}
      >
        <div className="flex flex-col gap-1">
          <label htmlFor="key-label" className="text-sm font-medium">Label</label>
          <input
            id="key-label"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            required
            maxLength={40}
            autoComplete="off"
            className="rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm"
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="api-key" className="text-sm font-medium">API key</label>
          <SecretInput id="api-key" value={apiKey} onChange={setApiKey} describedBy="api-key-help" />
          <p id="api-key-help" className="text-xs text-slate-500">
            Looks like {provider ? PROVIDERS[provider].keyHint : ''}. We check it with the provider before saving, store it
            encrypted, and only ever show its first and last four characters.
          </p>
        </div>
        {create.error ? <Alert>{create.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>Cancel</Button>
          <Button type="submit" disabled={create.isPending || apiKey.trim() === ''}>
            {create.isPending ? 'Checking key…' : 'Save key'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function ReplaceKeyDialog({
  workspaceId,
  target,
  onClose,
  onSaved,
}: {
  workspaceId: string;
  target: KeyDto | null;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateKeys(workspaceId);
  const [apiKey, setApiKey] = useState('');
  const replace = useMutation({ ...trpc.keys.replace.mutationOptions(), gcTime: 0 });

  function close() {
    setApiKey('');
    replace.reset();
    onClose();
  }

  return (
    <Dialog
      open={target !== null}
      onClose={close}
      title={target ? `Replace ${PROVIDERS[target.provider].name} key "${target.label}"` : ''}
    >
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
                onSaved(`Key "${res.key.label}" replaced. Revoke the old key in the provider console.`);
                close();
              },
            },
          );
        }}
      >
        <p className="text-sm text-slate-600">
          The new key is checked first; the stored key ({target?.maskedHint}) is swapped only if it works.
        </p>
        <div className="flex flex-col gap-1">
          <label htmlFor="replace-api-key" className="text-sm font-medium">API key</label>
          <SecretInput id="replace-api-key" value={apiKey} onChange={setApiKey} />
        </div>
        {replace.error ? <Alert>{replace.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>Cancel</Button>
          <Button type="submit" disabled={replace.isPending || apiKey.trim() === ''}>
            {replace.isPending ? 'Checking key…' : 'Save key'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function RemoveKeyDialog({
  workspaceId,
  target,
  onClose,
  onRemoved,
}: {
  workspaceId: string;
  target: KeyDto | null;
  onClose: () => void;
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

  function close() {
    remove.reset();
    onClose();
  }

  return (
    <Dialog open={target !== null} onClose={close} title={`Remove ${name} key "${target?.label ?? ''}"?`}>
      <div className="flex flex-col gap-4">
        <p className="text-sm text-slate-700">
          The key <span className="font-mono">{target?.maskedHint}</span> is deleted permanently. It cannot be recovered or
          shown again. Generations that used it fall back to the platform default models and consume credits.
        </p>
        {impact.isPending ? (
          <p className="text-sm text-slate-500">Checking which defaults use this key…</p>
        ) : tiers.length ? (
          <div role="note" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            These tier defaults will revert to their platform defaults: {tiers.map((t) => TIER_NAMES[t]).join(', ')}.
          </div>
        ) : (
          <p className="text-sm text-slate-600">No tier default uses this key.</p>
        )}
        {remove.error ? <Alert>{remove.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>Cancel</Button>
          <Button
            variant="danger"
            disabled={remove.isPending || impact.isPending}
            onClick={() =>
              target &&
              remove.mutate(
                { workspaceId, keyId: target.id },
                {
                  onSuccess: async (res) => {
                    await invalidate();
                    onRemoved(
                      `${name} key "${target.label}" removed.` +
                        (res.revertedTiers.length ? ` ${res.revertedTiers.map((t) => TIER_NAMES[t]).join(', ')} now use the platform default.` : ''),
                    );
                    close();
                  },
                },
              )
            }
          >
            Remove
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
