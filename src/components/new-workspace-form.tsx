'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert, Button, Card, Field } from '~/components/ui';
import { useTRPC } from '~/trpc/react';

export function NewWorkspaceForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState('');
  const [inherit, setInherit] = useState(true);
  const create = useMutation(
    trpc.workspace.create.mutationOptions({ onSuccess: (ws) => router.push(`/w/${ws.slug}/studio`) }),
  );
  return (
    <main className="mx-auto max-w-md px-4 py-10">
      <Card>
        <h1 className="mb-4 text-xl font-semibold">New workspace</h1>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, aiDefaults: inherit ? 'inherit' : 'managed' });
          }}
        >
          <Field id="ws-name" label="Workspace name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" className="mt-0.5 h-4 w-4" checked={inherit} onChange={(e) => setInherit(e.target.checked)} />
            <span>
              Start with my AI defaults
              <span className="block text-xs text-slate-500">
                Unchecked: the workspace starts on platform models. Set your defaults under <a className="underline" href="/account">Account</a>.
              </span>
            </span>
          </label>
          {create.error ? <Alert>{create.error.message}</Alert> : null}
          <Button type="submit" disabled={create.isPending}>Create workspace</Button>
        </form>
      </Card>
    </main>
  );
}
