'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatWhen } from '~/lib/format';
import { Alert, Button, Card, Field } from '~/components/ui';
import { useTRPC } from '~/trpc/react';

/** Personal access tokens for the REST API: the token is shown once, right after creation. */
export function TokensPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: tokens } = useSuspenseQuery(trpc.account.tokens.queryOptions());
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [fresh, setFresh] = useState<string | null>(null);
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
  const revoke = useMutation(trpc.account.revokeToken.mutationOptions({ onSuccess: () => void refresh() }));

  return (
    <Card>
      <h2 className="text-lg font-semibold">Personal access tokens</h2>
      <p className="mt-1 text-sm text-slate-600">
        For the REST API (<code>Authorization: Bearer …</code>). A token acts as you, with your role in each workspace.
      </p>
      {fresh ? (
        <div className="mt-4 flex flex-col gap-2 rounded-md border border-green-200 bg-green-50 p-3 text-sm">
          <p className="font-medium text-green-900">Copy your new token now: it will not be shown again.</p>
          <code data-testid="new-token" className="break-all rounded bg-white px-2 py-1">{fresh}</code>
          <div><Button variant="secondary" onClick={() => setFresh(null)}>Done</Button></div>
        </div>
      ) : null}
      <form
        className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, expiresInDays: days === 'never' ? null : Number(days) });
        }}
      >
        <div className="flex-1"><Field id="token-name" label="Token name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} /></div>
        <div className="flex flex-col gap-1">
          <label htmlFor="token-expiry" className="text-sm font-medium">Expires</label>
          <select id="token-expiry" value={days} onChange={(e) => setDays(e.target.value)} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="never">never</option>
          </select>
        </div>
        <Button type="submit" disabled={create.isPending}>Create token</Button>
      </form>
      {create.error ? <div className="mt-3"><Alert>{create.error.message}</Alert></div> : null}
      <ul className="mt-4 divide-y divide-slate-200 text-sm" aria-label="Tokens">
        {tokens.length === 0 ? <li className="py-2 text-slate-500">No tokens yet.</li> : null}
        {tokens.map((t) => (
          <li key={t.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
            <span className="font-medium">{t.name}</span>
            <code className="text-xs">{t.prefix}…</code>
            <span className="text-xs text-slate-500">
              created {formatWhen(t.createdAt)} · last used {formatWhen(t.lastUsedAt)} · {t.expiresAt ? `expires ${formatWhen(t.expiresAt)}` : 'never expires'}
            </span>
            {t.revoked ? (
              <span className="ml-auto text-xs font-medium text-slate-500">Revoked</span>
            ) : (
              <Button variant="secondary" className="ml-auto px-2 py-1 text-xs" aria-label={`Revoke ${t.name}`} onClick={() => revoke.mutate({ tokenId: t.id })}>
                Revoke
              </Button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}
