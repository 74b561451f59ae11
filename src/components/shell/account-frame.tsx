import { AppShell } from '~/components/shell/app-shell';
import type { SessionUser } from '~/server/auth';
import type { MembershipDto } from '~/lib/schemas/workspaces';

/** The app's frame around account-level pages, so the sidebar and the way back stay. */
export function AccountFrame({ user, workspace, children }: { user: SessionUser; workspace: MembershipDto | null; children: React.ReactNode }) {
  return (
    <AppShell
      workspace={workspace ? { id: workspace.id, slug: workspace.slug, name: workspace.name, plan: workspace.plan, creditBalance: workspace.creditBalance, role: workspace.role } : null}
      user={{ name: user.name, email: user.email }}
    >
      {children}
    </AppShell>
  );
}
