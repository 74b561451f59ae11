import { Suspense } from 'react';
import { ApiKeysPanel } from '~/components/api-keys/api-keys-panel';
import { Tabs } from '~/components/tabs';
import { Card } from '~/components/ui';
import { currentWorkspace } from '~/server/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export default async function ModelsSettingsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ tab?: string }>;
}) {
  const [{ slug }, { tab }] = await Promise.all([params, searchParams]);
  const ws = await currentWorkspace(slug);
  prefetch(trpc.keys.list.queryOptions({ workspaceId: ws.id }));
  if (ws.role === 'owner') prefetch(trpc.keys.audit.queryOptions({ workspaceId: ws.id }));
  return (
    <HydrateClient>
      <Tabs
        initial={tab === 'models' ? 1 : 0}
        tabs={[
          {
            label: 'API Keys',
            content: (
              <Suspense fallback={<p className="text-sm text-slate-500">Loading keys…</p>}>
                <ApiKeysPanel />
              </Suspense>
            ),
          },
          {
            label: 'Models',
            content: (
              <Card>
                <h2 className="text-lg font-semibold">Models</h2>
                <p className="mt-1 text-sm text-slate-600">
                  Choose the default model for the Fast, Standard and Premium tiers. Tier settings arrive with the Models
                  release.
                </p>
              </Card>
            ),
          },
        ]}
      />
    </HydrateClient>
  );
}
