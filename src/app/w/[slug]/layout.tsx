import { Suspense } from 'react';
import { AppShell } from '~/components/app-shell';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';

export default async function WorkspaceLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ slug: string }>;
}) {
  const { slug } = await params;
  const ws = await currentWorkspace(slug);
  prefetch(trpc().workspace.get.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().workspace.list.queryOptions());
  prefetch(trpc().account.invitations.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<p className="p-6 text-sm text-slate-500">Loading…</p>}>
        <AppShell workspaceId={ws.id} user={{ name: ws.user.name, email: ws.user.email }}>
          {children}
        </AppShell>
      </Suspense>
    </HydrateClient>
  );
}
