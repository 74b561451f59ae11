'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { AddKeyDialog, RemoveKeyDialog, ReplaceKeyDialog } from '~/components/api-keys/key-dialogs';
import { Alert, Button, Card, cn } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { formatWhen } from '~/lib/format';
import type { KeyDto } from '~/lib/schemas/keys';
import { BYOK_PLAN_NAMES, PLANS } from '~/lib/plans';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';


const STATUS: Record<KeyDto['status'], { text: string; className: string; help: string }> = {
  active: { text: 'Active', className: 'bg-green-50 text-green-800 ring-green-200', help: 'The provider accepted this key at the last check.' },
  failing: { text: 'Failing', className: 'bg-red-50 text-red-800 ring-red-200', help: 'The provider rejected this key. Verify it again or replace it.' },
  needs_reentry: { text: 'Re-enter key', className: 'bg-amber-50 text-amber-900 ring-amber-200', help: 'This key can no longer be read. Replace it.' },
};

export function ApiKeysPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: keys } = useSuspenseQuery(trpc.keys.list.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const byok = PLANS[ws.plan].byok;
  const [adding, setAdding] = useState<ProviderId | null>(null);
  const [replacing, setReplacing] = useState<KeyDto | null>(null);
  const [removing, setRemoving] = useState<KeyDto | null>(null);
  const [notice, setNotice] = useState<{ tone: 'success' | 'error'; text: string } | null>(null);
  const verify = useMutation(
    trpc.keys.verify.mutationOptions({
      onSuccess: async (r) => {
        setNotice({ tone: r.outcome === 'valid' ? 'success' : 'error', text: r.message });
        await queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId }));
        await queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId }));
        await queryClient.invalidateQueries(trpc.models.pathFilter());
      },
      onError: (e) => setNotice({ tone: 'error', text: e.message }),
    }),
  );
  const saved = (text: string) => setNotice({ tone: 'success', text });

  return (
    <div className="flex flex-col gap-4">
      {!byok ? (
        <Alert tone="info">
          Bring-your-own-key is available on the {BYOK_PLAN_NAMES.join(', ')} plans. This workspace is on {PLANS[ws.plan].name}, so
          generations use platform models and credits.
        </Alert>
      ) : null}
      {!isOwner ? <Alert tone="info">Only the workspace owner can add, verify, replace or remove keys.</Alert> : null}
      <div aria-live="polite">{notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}</div>

      <Card className="overflow-x-auto p-0 sm:p-0">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">API keys by provider</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2">Provider</th>
              <th scope="col" className="px-4 py-2">Keys</th>
              <th scope="col" className="hidden px-4 py-2 sm:table-cell"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200">
            {PROVIDER_IDS.map((provider) => {
              const mine = keys.filter((k) => k.provider === provider);
              return (
                <tr key={provider} aria-label={PROVIDERS[provider].name} className="align-top">
                  <th scope="row" className="px-4 py-3 font-medium sm:w-32">
                    {PROVIDERS[provider].name}
                    {isOwner && byok ? (
                      <Button variant="secondary" className="mt-2 px-2 py-1 text-xs sm:hidden" aria-label={`Add ${PROVIDERS[provider].name} key`}
                        onClick={() => { setNotice(null); setAdding(provider); }}>
                        Add key
                      </Button>
                    ) : null}
                  </th>
                  <td className="px-4 py-3">
                    {mine.length === 0 ? (
                      <span className="text-slate-500">No key</span>
                    ) : (
                      <ul className="flex flex-col gap-3">
                        {mine.map((k) => (
                          <li key={k.id} aria-label={`${PROVIDERS[provider].name} key ${k.label}`} className="flex flex-col gap-1">
                            <div className="flex flex-wrap items-center gap-2">
                              <span className="font-medium">{k.label}</span>
                              <code className="whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 text-xs">{k.maskedHint}</code>
                              <span title={STATUS[k.status].help} className={cn('rounded-full px-2 py-0.5 text-xs font-medium ring-1', STATUS[k.status].className)}>
                                {STATUS[k.status].text}
                              </span>
                            </div>
                            {k.alsoConnectedIn.length ? (
                              <p className="text-xs text-amber-800">
                                This key is also connected in {k.alsoConnectedIn.join(', ')}. One key per workspace makes it easier to revoke access to one workspace.
                              </p>
                            ) : null}
                            <p className="text-xs text-slate-500">
                              {k.modelCount} models · verified {formatWhen(k.lastValidatedAt)} · last used {formatWhen(k.lastUsedAt)} · added by {k.createdBy}
                            </p>
                            {isOwner ? (
                              <div className="flex flex-wrap gap-2">
                                <Button variant="secondary" className="px-2 py-1 text-xs" disabled={verify.isPending}
                                  onClick={() => verify.mutate({ workspaceId, keyId: k.id })}>
                                  Verify
                                </Button>
                                {byok ? (
                                  <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setReplacing(k)}>Replace</Button>
                                ) : null}
                                <Button variant="secondary" className="px-2 py-1 text-xs text-red-700" onClick={() => setRemoving(k)}>Remove</Button>
                              </div>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="hidden px-4 py-3 text-right sm:table-cell">
                    {isOwner && byok ? (
                      <Button variant="secondary" onClick={() => { setNotice(null); setAdding(provider); }}>Add key</Button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>

      {isOwner ? <AuditLog workspaceId={workspaceId} /> : null}

      <AddKeyDialog workspaceId={workspaceId} provider={adding} onClose={() => setAdding(null)} onSaved={saved} />
      <ReplaceKeyDialog workspaceId={workspaceId} target={replacing} onClose={() => setReplacing(null)} onSaved={saved} />
      <RemoveKeyDialog workspaceId={workspaceId} target={removing} onClose={() => setRemoving(null)} onRemoved={saved} />
    </div>
  );
}

const OPERATIONS: Record<string, string> = {
  'key.create': 'Added',
  'key.replace': 'Replaced',
  'key.verify': 'Verified',
  'key.remove': 'Removed',
  'key.decrypt_failed': 'Could not read',
};

function AuditLog({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data: events } = useSuspenseQuery(trpc.keys.audit.queryOptions({ workspaceId }));
  return (
    <Card>
      <h3 className="text-base font-semibold">Key activity</h3>
      {events.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500">Nothing yet.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100 text-sm" aria-label="Key activity">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-x-2 py-1.5">
              <span className="font-medium">
                {(e.operation === 'key.create' || e.operation === 'key.replace') && e.outcome !== 'valid'
                  ? 'Refused'
                  : (OPERATIONS[e.operation] ?? e.operation)}
              </span>
              <span>{e.provider ? PROVIDERS[e.provider as ProviderId]?.name ?? e.provider : ''} {e.label ? `“${e.label}”` : ''}</span>
              {e.outcome ? <span className="text-slate-500">({e.outcome.replace(/_/g, ' ')})</span> : null}
              <span className="ml-auto text-xs text-slate-500">{e.actor} · {formatWhen(e.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
