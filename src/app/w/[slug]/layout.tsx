import { Suspense } from 'react';
import { InvitationsBanner } from '~/components/invitations-banner';
import { AppShell } from '~/components/shell/app-shell';
import { currentWorkspace } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';

// No Suspense around the pages: a page that finds nothing (a run of another workspace, say) must be
// able to answer 404 before anything is streamed.
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
  prefetch(trpc().account.invitations.queryOptions());
  return (
    <HydrateClient>
      <AppShell
        workspace={{ id: ws.id, slug: ws.slug, name: ws.name, plan: ws.plan, creditBalance: ws.creditBalance, role: ws.role }}
        user={{ name: ws.user.name, email: ws.user.email }}
        banner={
          <Suspense fallback={null}>
            <InvitationsBanner />
          </Suspense>
        }
      >
        {children}
      </AppShell>
    </HydrateClient>
  );
}
