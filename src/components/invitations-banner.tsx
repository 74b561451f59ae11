'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { Alert, Button } from '~/components/ui';
import { useTRPC } from '~/trpc/react';

/** Invitations addressed to the signed-in user, shown in the header until they accept or decline. */
export function InvitationsBanner() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { data: invitations } = useSuspenseQuery(trpc.account.invitations.queryOptions());
  // Refreshed after every answer, errors included: an invitation revoked meanwhile then disappears.
  const refresh = () => queryClient.invalidateQueries(trpc.account.invitations.queryFilter());
  const accept = useMutation(
    trpc.account.acceptInvitation.mutationOptions({
      onSuccess: async ({ workspace }) => {
        await queryClient.invalidateQueries(trpc.workspace.list.queryFilter());
        void refresh();
        router.push(`/w/${workspace.slug}/studio`);
      },
      onError: () => void refresh(),
    }),
  );
  const decline = useMutation(trpc.account.declineInvitation.mutationOptions({ onSettled: () => void refresh() }));
  const error = accept.error ?? decline.error;
  if (invitations.length === 0 && !error) return null;
  const busy = accept.isPending || decline.isPending;

  return (
    <section aria-label="Invitations" className="border-t border-indigo-100 bg-indigo-50">
      <div className="mx-auto flex max-w-6xl flex-col gap-2 px-4 py-2">
        {invitations.map((i) => (
          <div key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
            <p className="text-slate-800">
              <span className="font-medium">{i.invitedBy.name}</span> <span className="text-slate-600">({i.invitedBy.email})</span>{' '}
              invited you to join <span className="font-medium">{i.workspaceName}</span>.
            </p>
            <div className="ml-auto flex gap-2">
              <Button className="px-2 py-1 text-xs" aria-label={`Accept invitation to ${i.workspaceName}`} disabled={busy} onClick={() => accept.mutate({ invitationId: i.id })}>
                Accept
              </Button>
              <Button variant="secondary" className="px-2 py-1 text-xs" aria-label={`Decline invitation to ${i.workspaceName}`} disabled={busy} onClick={() => decline.mutate({ invitationId: i.id })}>
                Decline
              </Button>
            </div>
          </div>
        ))}
        {error ? <Alert>{error.message}</Alert> : null}
      </div>
    </section>
  );
}
