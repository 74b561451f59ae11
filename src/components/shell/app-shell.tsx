'use client';

// The workspace frame: a sidebar on wide screens, the same navigation in a sheet on phones, and a top
// bar with where you are and the workspace's plan and credits. Pages render inside <main>.
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { usePathname } from 'next/navigation';
import { NotificationsMenu } from '~/components/shell/notifications-menu';
import { SidebarContent, type ShellWorkspace, type ShellUser, sectionTitle } from '~/components/shell/sidebar';
import { Badge } from '~/components/ui/badge';
import { WorkspaceProvider } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { PLANS } from '~/lib/plans';
import { useTRPC } from '~/trpc/react';
import Link from 'next/link';

// Loaded after the page: the phone menu and the toasts are not needed to show it (first-load JS budget).
const MobileNav = dynamic(() => import('~/components/shell/mobile-nav').then((m) => m.MobileNav), {
  ssr: false,
  loading: () => <span aria-hidden className="-ml-1 inline-block size-9 lg:hidden" />,
});
const Toaster = dynamic(() => import('~/components/ui/toaster').then((m) => m.Toaster), { ssr: false });

export function AppShell({
  workspace,
  user,
  banner,
  children,
}: {
  /** The workspace the pages belong to; null on account-level pages for a user with no workspace yet. */
  workspace: ShellWorkspace | null;
  user: ShellUser;
  /** Workspace-wide notices under the top bar (invitations, for example). */
  banner?: React.ReactNode;
  children: React.ReactNode;
}) {
  const pathname = usePathname();
  const title = sectionTitle(pathname, workspace?.slug ?? null);

  const frame = (
    <>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-[60] focus:rounded-md focus:bg-background focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <div className="min-h-dvh lg:grid lg:grid-cols-[15.5rem_minmax(0,1fr)]">
        <div className="hidden border-r border-border bg-background lg:block">
          <aside className="sticky top-0 flex h-dvh flex-col" aria-label="Sidebar">
            <SidebarContent workspace={workspace} user={user} />
          </aside>
        </div>
        <div className="flex min-w-0 flex-col">
          <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-border bg-background/95 px-3 backdrop-blur sm:px-6">
            <MobileNav workspace={workspace} user={user} />
            <p className="min-w-0 truncate text-sm">
              {workspace ? <span className="hidden text-muted-foreground sm:inline">{workspace.name}<span aria-hidden className="px-1.5">/</span></span> : null}
              <span className="font-medium text-foreground">{title}</span>
            </p>
            {workspace ? <PlanAndCredits workspace={workspace} /> : null}
            <span className={workspace ? '' : 'ml-auto'}>
              <NotificationsMenu />
            </span>
          </header>
          {banner}
          <main id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-6 outline-none sm:px-6 lg:px-8 lg:py-8">
            {children}
          </main>
        </div>
      </div>
      <Toaster />
    </>
  );
  return workspace ? <WorkspaceProvider value={{ id: workspace.id, slug: workspace.slug }}>{frame}</WorkspaceProvider> : frame;
}

/** The plan and live credit balance (refreshed after every run), linking to Plan & credits. */
function PlanAndCredits({ workspace }: { workspace: ShellWorkspace }) {
  const trpc = useTRPC();
  const { data } = useQuery(trpc.workspace.get.queryOptions({ workspaceId: workspace.id }));
  const live = data ?? workspace;
  return (
    <Link
      href={`/w/${workspace.slug}/settings/plan`}
      className="ml-auto flex shrink-0 items-center gap-1.5 rounded-md px-1 py-1 hover:bg-muted"
      title="Plan & credits"
    >
      <Badge tone="outline" data-testid="plan">{PLANS[live.plan].name} plan</Badge>
      <Badge tone="accent" data-testid="credits">{credits(live.creditBalance)}</Badge>
    </Link>
  );
}
