'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert, Button, Card, Field } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { useTRPC } from '~/trpc/react';

export function MembersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: members } = useSuspenseQuery(trpc.workspace.members.queryOptions({ workspaceId }));
  const [email, setEmail] = useState('');
  const isOwner = ws.role === 'owner';
  const invalidate = () => queryClient.invalidateQueries(trpc.workspace.members.queryFilter({ workspaceId }));
  const add = useMutation(trpc.workspace.addMember.mutationOptions({ onSuccess: () => { setEmail(''); void invalidate(); } }));
  const remove = useMutation(trpc.workspace.removeMember.mutationOptions({ onSuccess: () => void invalidate() }));

  return (
    <Card>
      <h2 className="text-lg font-semibold">Members</h2>
      <p className="mt-1 text-sm text-slate-600">
        {isOwner ? 'Add people who already have an account. Members can run generations; only you can manage keys and defaults.' : 'Only the workspace owner can add or remove members.'}
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
                disabled={remove.isPending}
                onClick={() => remove.mutate({ workspaceId, userId: m.userId })}
              >
                Remove
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {isOwner ? (
        <form
          className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate({ workspaceId, email });
          }}
        >
          <div className="flex-1">
            <Field id="member-email" label="Member email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <Button type="submit" disabled={add.isPending}>Add member</Button>
        </form>
      ) : null}
      {add.error ? <div className="mt-3"><Alert>{add.error.message}</Alert></div> : null}
      {remove.error ? <div className="mt-3"><Alert>{remove.error.message}</Alert></div> : null}
    </Card>
  );
}
