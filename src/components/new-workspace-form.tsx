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
            create.mutate({ name });
          }}
        >
          <Field id="ws-name" label="Workspace name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
          {create.error ? <Alert>{create.error.message}</Alert> : null}
          <Button type="submit" disabled={create.isPending}>Create workspace</Button>
        </form>
      </Card>
    </main>
  );
}
