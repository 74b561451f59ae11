import { Suspense } from 'react';
import { ApiKeysPanel } from '~/components/api-keys/api-keys-panel';
import { Tabs } from '~/components/tabs';
import { TiersPanel } from '~/components/tiers-panel';
import { currentWorkspace } from '~/app/current-workspace';
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
  prefetch(trpc().keys.list.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().models.tiers.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc().models.catalog.queryOptions({ workspaceId: ws.id }));
  if (ws.role === 'owner') prefetch(trpc().keys.audit.queryOptions({ workspaceId: ws.id }));
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
              <Suspense fallback={<p className="text-sm text-slate-500">Loading models…</p>}>
                <TiersPanel />
              </Suspense>
            ),
          },
        ]}
      />
    </HydrateClient>
  );
}
