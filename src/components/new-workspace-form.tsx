'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { ArrowLeft } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { PageHeader } from '~/components/shell/page-header';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card } from '~/components/ui/card';
import { Field } from '~/components/ui/field';
import { toast } from '~/components/ui/toast';
import { BYOK_PLAN_NAMES } from '~/lib/plans';
import { PROVIDERS } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

export function NewWorkspaceForm({ back }: { back: { href: string; name: string } | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState('');
  const [inherit, setInherit] = useState(true);
  const { data: defaults } = useQuery(trpc.account.aiDefaults.queryOptions());
  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: (ws) => {
        // Said again once created: what became of the default key (copied and waiting, or not copied).
        if (ws.inheritedKey && ws.inheritedKey.state !== 'usable') toast.info('About your default key', ws.inheritedKey.message);
        router.push(`/w/${ws.slug}/studio`);
      },
    }),
  );
  const inheritsKey = inherit && defaults?.mode === 'byok' && defaults.hasApiKey;
  return (
    <div className="mx-auto flex max-w-lg flex-col gap-6">
      {back ? (
        <Link href={back.href} className="inline-flex w-fit items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeft aria-hidden className="size-4" /> Back to {back.name}
        </Link>
      ) : null}
      <PageHeader title="New workspace" description="A workspace has its own keys, models, members, plan and credits." />
      <Card>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, aiDefaults: inherit ? 'inherit' : 'managed' });
          }}
        >
          <Field id="ws-name" label="Workspace name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Marketing" autoFocus />
          <label className="flex items-start gap-2.5 text-sm">
            <input type="checkbox" className="mt-0.5 size-4 accent-[var(--color-accent)]" checked={inherit} onChange={(e) => setInherit(e.target.checked)} aria-describedby="inherit-help" />
            <span>
              Start with my AI defaults
              <span id="inherit-help" className="block text-xs text-muted-foreground">
                Unchecked: the workspace starts on platform models. Set your defaults under <Link className="underline" href="/account">Account</Link>.
              </span>
            </span>
          </label>
          {inheritsKey ? (
            <Alert tone="info" title={`Your default ${PROVIDERS[defaults.provider].name} key waits for a paid plan`}>
              New workspaces start on Free, where your own keys cannot be used: the key is checked and copied now, and runs use
              platform credits until an operator moves this workspace to {BYOK_PLAN_NAMES.join(', ')}. From then on it serves the next run.
            </Alert>
          ) : null}
          {create.error ? <Alert>{create.error.message}</Alert> : null}
          <div className="flex flex-wrap justify-end gap-2">
            {back ? <Button asChild variant="secondary"><Link href={back.href}>Cancel</Link></Button> : null}
            <Button type="submit" loading={create.isPending}>Create workspace</Button>
          </div>
        </form>
      </Card>
    </div>
  );
}
