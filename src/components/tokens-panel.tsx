'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useRef, useState } from 'react';
import { TokenList } from '~/components/token-list';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { CopyButton } from '~/components/ui/copy-button';
import { Input, NativeSelect } from '~/components/ui/input';
import { toast } from '~/components/ui/toast';
import { useTRPC } from '~/trpc/react';

const RevokeTokenDialog = dynamic(() => import('~/components/revoke-token-dialog').then((m) => m.RevokeTokenDialog), { ssr: false });

type Token = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null; revoked: boolean };

/** Personal access tokens for the REST API: the token is shown once, right after creation. */
export function TokensPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: tokens } = useSuspenseQuery(trpc.account.tokens.queryOptions());
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [fresh, setFresh] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.account.tokens.queryFilter());
  const create = useMutation({
    ...trpc.account.createToken.mutationOptions({
      onSuccess: (r) => {
        setFresh(r.token);
        setName('');
        void refresh();
      },
    }),
    gcTime: 0, // the response holds the token: keep it only in this component's state
  });
  const revoke = useMutation(trpc.account.revokeToken.mutationOptions());
  function confirmRevoke(t: Token) {
    revoke.mutate(
      { tokenId: t.id },
      {
        onSuccess: async () => {
          await refresh();
          toast.success(`Token “${t.name}” revoked`, 'Requests with it are refused from now on.');
          setRevoking(null);
          // The Revoke button is gone with the token: continue from the form.
          setTimeout(() => nameRef.current?.focus(), 0);
        },
      },
    );
  }

  return (
    <Card aria-labelledby="tokens-title">
      <CardTitle id="tokens-title">Personal access tokens</CardTitle>
      <CardDescription>
        For the REST API (<code className="font-mono text-xs">Authorization: Bearer …</code>). A token acts as you, with your role in each workspace.
      </CardDescription>
      {fresh ? (
        <div className="mt-4 flex flex-col gap-2 rounded-md border border-green-200 bg-success-soft p-3 text-sm">
          <p className="font-medium text-success-foreground">Copy your new token now: it will not be shown again.</p>
          <div className="flex items-center gap-2">
            <code data-testid="new-token" className="min-w-0 flex-1 break-all rounded border border-border bg-background px-2 py-1.5 font-mono text-xs">{fresh}</code>
            <CopyButton value={fresh} label="Copy token" copiedLabel="Token copied" />
          </div>
          <div>
            <Button variant="secondary" size="sm" onClick={() => { setFresh(null); nameRef.current?.focus(); }}>Done</Button>
          </div>
        </div>
      ) : null}
      <form
        className="mt-4 grid gap-3 sm:grid-cols-[minmax(0,1fr)_10rem_auto] sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, expiresInDays: days === 'never' ? null : Number(days) });
        }}
      >
        <div className="flex flex-col gap-1.5">
          <label htmlFor="token-name" className="text-sm font-medium">Token name</label>
          <Input ref={nameRef} id="token-name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. ci-deploy" />
        </div>
        <div className="flex flex-col gap-1.5">
          <label htmlFor="token-expiry" className="text-sm font-medium">Expires</label>
          <NativeSelect id="token-expiry" value={days} onChange={(e) => setDays(e.target.value)}>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="never">never</option>
          </NativeSelect>
        </div>
        <Button type="submit" loading={create.isPending}>Create token</Button>
      </form>
      {create.error ? <Alert className="mt-3">{create.error.message}</Alert> : null}
      <TokenList tokens={tokens} label="Tokens" empty="No tokens yet." nameOf={(t) => t.name} onRevoke={setRevoking} />
      {revoking ? (
        <RevokeTokenDialog
          name={revoking.name}
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
