import { Suspense } from 'react';
import { PasswordPanel } from '~/components/account/password-panel';
import { SessionsPanel } from '~/components/account/sessions-panel';
import { AiDefaultsForm } from '~/components/ai-defaults-form';
import { AccountFrame } from '~/components/shell/account-frame';
import { PageHeader } from '~/components/shell/page-header';
import { TokensPanel } from '~/components/tokens-panel';
import { LoadingBlock } from '~/components/ui/skeleton';
import { frameWorkspace, requireUser } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Account · BYOK Studio' };

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ from?: string | string[] }> }) {
  const user = await requireUser();
  const workspace = await frameWorkspace(user.id, (await searchParams).from);
  if (workspace) {
    prefetch(trpc().workspace.get.queryOptions({ workspaceId: workspace.id }));
    prefetch(trpc().models.catalog.queryOptions({ workspaceId: workspace.id }));
  }
  prefetch(trpc().account.aiDefaults.queryOptions());
  prefetch(trpc().account.tokens.queryOptions());
  prefetch(trpc().account.sessions.queryOptions());
  return (
    <HydrateClient>
      <AccountFrame user={user} workspace={workspace}>
        <div className="flex flex-col gap-6">
          <PageHeader title="Account settings" description={`Signed in as ${user.name} (${user.email}). These settings are yours, in every workspace.`} />
          <Suspense fallback={<LoadingBlock />}>
            <AiDefaultsForm />
            <TokensPanel />
            <PasswordPanel />
            <SessionsPanel />
          </Suspense>
        </div>
      </AccountFrame>
    </HydrateClient>
  );
}
