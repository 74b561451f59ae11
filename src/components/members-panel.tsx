'use client';

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CapEditor } from '~/components/caps/cap-editor';
import {
  AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogDestructive, AlertDialogFooter,
  AlertDialogHeader, AlertDialogTitle,
} from '~/components/ui/alert-dialog';
import { Dialog, DialogContent, DialogTitle } from '~/components/ui/dialog';
import { toast } from '~/components/ui/toast';
import { Alert, Button, Card, Field } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { formatWhen } from '~/lib/format';
import { useTRPC } from '~/trpc/react';

export function MembersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: members } = useSuspenseQuery(trpc.workspace.members.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const invalidate = () => queryClient.invalidateQueries(trpc.workspace.members.queryFilter({ workspaceId }));
  const [removing, setRemoving] = useState<{ userId: string; name: string; email: string } | null>(null);
  // Owners only: the caps query is theirs alone (what each member used this month).
  const caps = useQuery({ ...trpc.usage.caps.queryOptions({ workspaceId }), enabled: isOwner });
  const capOf = new Map((caps.data?.members ?? []).map((c) => [c.userId, c]));
  const remove = useMutation(
    trpc.workspace.removeMember.mutationOptions({
      onSuccess: () => {
        if (removing) toast.success(`${removing.name} was removed from the workspace.`);
        setRemoving(null);
        void invalidate();
      },
    }),
  );
  const closeRemove = () => {
    remove.reset();
    setRemoving(null);
  };

  return (
    <Card>
      <h2 className="text-lg font-semibold">Members</h2>
      <p className="mt-1 text-sm text-slate-600">
        {isOwner
          ? 'Invite people by email: they join once they accept. Members can run generations; only you can manage keys and defaults. A monthly credit cap stops a member’s runs on platform credits once they have used that many this month (UTC); empty: no cap.'
          : 'Only the workspace owner can invite or remove members.'}
      </p>
      <ul className="mt-4 divide-y divide-slate-200" aria-label="Workspace members">
        {members.map((m) => (
          <li key={m.userId} className="flex flex-wrap items-center gap-2 py-2">
            <span className="font-medium">{m.name}</span>
            <span className="text-sm text-slate-600">{m.email}</span>
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium">{m.role}</span>
            {isOwner && m.role !== 'owner' ? (
              <Button
                variant="secondary"
                className="ml-auto"
                aria-label={`Remove ${m.email}`}
                onClick={() => setRemoving({ userId: m.userId, name: m.name, email: m.email })}
              >
                Remove
              </Button>
            ) : null}
            {isOwner && capOf.has(m.userId) ? (
              <div className="basis-full">
                <CapEditor
                  workspaceId={workspaceId}
                  target={{ kind: 'member', userId: m.userId }}
                  name={m.name}
                  cap={capOf.get(m.userId)!.cap}
                  used={capOf.get(m.userId)!.usedThisMonth}
                />
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {removing ? (
        <AlertDialog open onOpenChange={(o) => (o ? null : closeRemove())}>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Remove {removing.name}?</AlertDialogTitle>
              <AlertDialogDescription>
                {removing.email} loses access to this workspace at once: Content Studio, its runs and its settings. The runs
                they made stay. You can invite them again later.
              </AlertDialogDescription>
            </AlertDialogHeader>
            {remove.error ? <Alert>{remove.error.message}</Alert> : null}
            <AlertDialogFooter>
              <AlertDialogCancel>Cancel</AlertDialogCancel>
              <AlertDialogDestructive
                disabled={remove.isPending}
                onClick={() => remove.mutate({ workspaceId, userId: removing.userId })}
              >
                {remove.isPending ? 'Removing…' : 'Remove member'}
              </AlertDialogDestructive>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      ) : null}
      {isOwner ? <Invitations workspaceId={workspaceId} /> : null}
    </Card>
  );
}

type Pending = { id: string; email: string };

/** The owner's side: invite an address, see what is pending, revoke. */
function Invitations({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: invitations } = useSuspenseQuery(trpc.workspace.invitations.queryOptions({ workspaceId }));
  const [email, setEmail] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Pending | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.workspace.invitations.queryFilter({ workspaceId }));
  const invite = useMutation(
    trpc.workspace.invite.mutationOptions({
      onSuccess: (r) => {
        // The same words for every address: whether an account uses it is not the owner's to learn here.
        setNotice(`Invitation for ${r.email} is ready. Whoever signs in or signs up with that address will see it and can accept it until ${formatWhen(r.expiresAt)}.`);
        setEmail('');
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.workspace.revokeInvitation.mutationOptions({ onSuccess: () => void refresh() }));
  const closeRevoke = () => {
    revoke.reset();
    setRevoking(null);
  };

  return (
    <>
      <form
        className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          setNotice(null);
          invite.mutate({ workspaceId, email });
        }}
      >
        <div className="flex-1">
          <Field id="invite-email" label="Invite by email" type="email" required maxLength={254} autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <Button type="submit" disabled={invite.isPending}>Invite</Button>
      </form>
      {invite.error ? <div className="mt-3"><Alert>{invite.error.message}</Alert></div> : null}
      {notice ? <div className="mt-3"><Alert tone="success">{notice}</Alert></div> : null}

      <h3 className="mt-6 text-sm font-semibold text-slate-800">Pending invitations</h3>
      <ul className="mt-2 divide-y divide-slate-200 text-sm" aria-label="Pending invitations">
        {invitations.length === 0 ? <li className="py-2 text-slate-500">No pending invitations.</li> : null}
        {invitations.map((i) => (
          <li key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
            <span className="font-medium">{i.email}</span>
            {i.status === 'expired' ? (
              <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-900">Expired: invite again to renew</span>
            ) : (
              <span className="text-xs text-slate-500">invited {formatWhen(i.createdAt)} · expires {formatWhen(i.expiresAt)}</span>
            )}
            <Button variant="secondary" className="ml-auto px-2 py-1 text-xs" aria-label={`Revoke invitation for ${i.email}`} onClick={() => setRevoking(i)}>
              Revoke
            </Button>
          </li>
        ))}
      </ul>

      <Dialog open={revoking !== null} onOpenChange={(open) => (open ? null : closeRevoke())}>
        <DialogContent aria-describedby={undefined}>
        <DialogTitle>Revoke invitation?</DialogTitle>
        <div className="flex flex-col gap-4">
          <p className="text-sm text-slate-700">
            <span className="font-medium">{revoking?.email}</span> will no longer be able to join with this invitation. You can
            invite the address again later.
          </p>
          {revoke.error ? <Alert>{revoke.error.message}</Alert> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={closeRevoke}>Cancel</Button>
            <Button
              variant="danger"
              disabled={revoke.isPending}
              onClick={() => {
                if (!revoking) return;
                const { id, email: revoked } = revoking;
                revoke.mutate(
                  { workspaceId, invitationId: id },
                  {
                    onSuccess: () => {
                      setNotice(`Invitation for ${revoked} revoked.`);
                      setRevoking(null);
                    },
                  },
                );
              }}
            >
              Revoke invitation
            </Button>
          </div>
        </div>
        </DialogContent>
      </Dialog>
    </>
  );
}
