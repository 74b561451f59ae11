'use client';

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useRef, useState } from 'react';
import { CapEditor } from '~/components/caps/cap-editor';
import { TokenList } from '~/components/token-list';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { CopyButton } from '~/components/ui/copy-button';
import { Input, NativeSelect } from '~/components/ui/input';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { GATEWAY, GATEWAY_PROVIDERS, type GatewayProvider } from '~/lib/gateway';
import type { RuntimeToken } from '~/lib/schemas/gateway';
import { useTRPC } from '~/trpc/react';

const RevokeTokenDialog = dynamic(() => import('~/components/revoke-token-dialog').then((m) => m.RevokeTokenDialog), { ssr: false });

/**
 * The workspace's runtime tokens: created with a label, the providers they may call, an optional key label
 * and expiry; shown once; revoked at once. `onCreated` hands the new token to the setup lines above.
 */
export function RuntimeTokens({ fresh, onCreated }: { fresh: string | null; onCreated: (token: string | null) => void }) {
  const trpc = useTRPC();
  const { id: workspaceId } = useCurrentWorkspace();
  const queryClient = useQueryClient();
  const { data: tokens } = useSuspenseQuery(trpc.developers.runtimeTokens.queryOptions({ workspaceId }));
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('90');
  const [keyLabel, setKeyLabel] = useState('');
  const [providers, setProviders] = useState<Set<GatewayProvider>>(new Set(GATEWAY_PROVIDERS));
  const [revoking, setRevoking] = useState<RuntimeToken | null>(null);
  // Each live token's monthly credit cap and what it used this month (revoked tokens have none).
  const caps = useQuery(trpc.usage.caps.queryOptions({ workspaceId }));
  const capOf = new Map((caps.data?.tokens ?? []).map((c) => [c.tokenId, c]));
  const labelRef = useRef<HTMLInputElement>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.developers.runtimeTokens.queryFilter()),
      queryClient.invalidateQueries(trpc.usage.caps.queryFilter({ workspaceId })),
    ]);
  const create = useMutation({
    ...trpc.developers.createRuntimeToken.mutationOptions({
      onSuccess: (r) => {
        onCreated(r.token);
        setLabel('');
        void refresh();
      },
    }),
    gcTime: 0, // the response holds the token: keep it only in component state
  });
  const revoke = useMutation(trpc.developers.revokeRuntimeToken.mutationOptions());

  function toggle(p: GatewayProvider) {
    const next = new Set(providers);
    if (next.has(p)) next.delete(p);
    else next.add(p);
    setProviders(next);
  }

  function confirmRevoke(t: RuntimeToken) {
    revoke.mutate(
      { workspaceId, tokenId: t.id },
      {
        onSuccess: async () => {
          await refresh();
          toast.success(`Runtime token “${t.label}” revoked`, 'Gateway calls with it are refused from now on.');
          setRevoking(null);
          setTimeout(() => labelRef.current?.focus(), 0);
        },
      },
    );
  }

  return (
    <Card aria-labelledby="runtime-tokens-title">
      <CardTitle id="runtime-tokens-title">Runtime tokens</CardTitle>
      <CardDescription>
        What your code sends instead of a provider key. A token calls the gateway for this workspace only, for the providers you
        allow; revoking it stops it at once.
      </CardDescription>
      {fresh ? (
        <div className="mt-4 flex flex-col gap-2 rounded-md border border-green-200 bg-success-soft p-3 text-sm">
          <p className="font-medium text-success-foreground">Copy your runtime token now: it will not be shown again.</p>
          <div className="flex items-center gap-2">
            <code data-testid="new-runtime-token" className="min-w-0 flex-1 break-all rounded border border-border bg-background px-2 py-1.5 font-mono text-xs">
              {fresh}
            </code>
            <CopyButton value={fresh} label="Copy runtime token" copiedLabel="Runtime token copied" />
          </div>
          <div>
            <Button variant="secondary" size="sm" onClick={() => { onCreated(null); labelRef.current?.focus(); }}>Done</Button>
          </div>
        </div>
      ) : null}
      <form
        className="mt-4 flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            workspaceId,
            label,
            expiresInDays: days === 'never' ? null : Number(days),
            providers: GATEWAY_PROVIDERS.filter((p) => providers.has(p)),
            keyLabel: keyLabel.trim() === '' ? null : keyLabel.trim(),
          });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_10rem_12rem]">
          <div className="flex flex-col gap-1.5">
            <label htmlFor="rt-label" className="text-sm font-medium">Label</label>
            <Input ref={labelRef} id="rt-label" required maxLength={40} value={label} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. production-api" />
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor="rt-expiry" className="text-sm font-medium">Expires</label>
            <NativeSelect id="rt-expiry" value={days} onChange={(e) => setDays(e.target.value)}>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="never">never</option>
            </NativeSelect>
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor="rt-key-label" className="text-sm font-medium">Key label <span className="font-normal text-muted-foreground">(optional)</span></label>
            <Input id="rt-key-label" maxLength={40} value={keyLabel} onChange={(e) => setKeyLabel(e.target.value)} placeholder="primary" aria-describedby="rt-key-label-hint" />
          </div>
        </div>
        <p id="rt-key-label-hint" className="-mt-1 text-xs text-muted-foreground">With your own keys, the token uses each provider’s key with this label (its primary key by default).</p>
        <fieldset className="flex flex-col gap-1.5">
          <legend className="mb-1.5 text-sm font-medium">May call</legend>
          <div className="flex flex-wrap gap-x-4 gap-y-2">
            {GATEWAY_PROVIDERS.map((p) => (
              <label key={p} className="flex items-center gap-2 text-sm">
                <input type="checkbox" className="size-4 accent-[var(--color-accent)]" checked={providers.has(p)} onChange={() => toggle(p)} />
                {GATEWAY[p].name}
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          <Button type="submit" loading={create.isPending} disabled={providers.size === 0}>Create runtime token</Button>
        </div>
      </form>
      {create.error ? <Alert className="mt-3">{create.error.message}</Alert> : null}
      <TokenList
        tokens={tokens}
        label="Runtime tokens"
        empty="No runtime tokens yet."
        nameOf={(t) => t.label}
        badges={(t) => (!t.revoked && t.expiresAt && t.expiresAt <= new Date() ? <Badge tone="warning">Expired</Badge> : null)}
        scope={(t) => (
          <>
            {t.providers.length === GATEWAY_PROVIDERS.length ? 'all providers' : t.providers.map((p) => GATEWAY[p].name).join(', ')}
            {t.keyLabel ? <> · key “{t.keyLabel}”</> : null} ·{' '}
          </>
        )}
        details={(t) => {
          const c = capOf.get(t.id);
          return c ? <CapEditor workspaceId={workspaceId} target={{ kind: 'token', tokenId: t.id }} name={`token ${t.label}`} cap={c.cap} used={c.usedThisMonth} /> : null;
        }}
        onRevoke={setRevoking}
      />
      {revoking ? (
        <RevokeTokenDialog
          name={revoking.label}
          pending={revoke.isPending}
          error={revoke.error?.message ?? null}
          onCancel={() => {
            revoke.reset();
            setRevoking(null);
          }}
          onConfirm={() => confirmRevoke(revoking)}
        />
      ) : null}
    </Card>
  );
}
