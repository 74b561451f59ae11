'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import dynamic from 'next/dynamic';
import { useRef, useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { CopyButton } from '~/components/ui/copy-button';
import { Input, NativeSelect } from '~/components/ui/input';
import { RelativeTime } from '~/components/ui/time';
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
      {tokens.length === 0 ? (
        <div className="mt-4 flex items-center gap-3 rounded-md border border-dashed border-border px-3 py-4 text-sm text-muted-foreground">
          <KeyRound aria-hidden className="size-4" /> No tokens yet.
        </div>
      ) : (
        <ul className="mt-4 divide-y divide-border rounded-md border border-border text-sm" aria-label="Tokens">
          {tokens.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2.5">
              <div className="min-w-0 flex-1">
                <p className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{t.name}</span>
                  <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{t.prefix}…</code>
                  {t.revoked ? <Badge tone="neutral">Revoked</Badge> : null}
                </p>
                <p className="mt-0.5 text-xs text-muted-foreground">
                  created <RelativeTime date={t.createdAt} /> · last used <RelativeTime date={t.lastUsedAt} /> ·{' '}
                  {t.expiresAt ? <>expires <RelativeTime date={t.expiresAt} /></> : 'never expires'}
                </p>
              </div>
              {t.revoked ? null : (
                <Button variant="danger-ghost" size="xs" aria-label={`Revoke ${t.name}`} onClick={() => setRevoking(t)}>
                  Revoke
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
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
