'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ModelPicker } from '~/components/model-picker';
import { Alert, Card } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import type { TierSetting } from '~/lib/schemas/models';
import { TIER_NAMES } from '~/lib/schemas/tiers';
import { PROVIDERS } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

const BROKEN: Record<NonNullable<TierSetting['broken']>, string> = {
  key_missing: 'its key was removed',
  model_unavailable: 'its key no longer offers this model',
  key_failing: 'its key is failing',
};

export function TiersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data } = useSuspenseQuery(trpc.models.tiers.queryOptions({ workspaceId }));
  const { data: catalog } = useSuspenseQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const refresh = () => queryClient.invalidateQueries(trpc.models.tiers.queryFilter({ workspaceId }));
  const setTier = useMutation(trpc.models.setTier.mutationOptions({ onSuccess: refresh }));
  // Shown at once (a controlled checkbox would otherwise snap back until the server answers).
  const [pendingPolicy, setPendingPolicy] = useState<boolean | null>(null);
  const setPolicy = useMutation(
    trpc.models.setFallbackPolicy.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setPendingPolicy(null);
      },
      onError: () => setPendingPolicy(null),
    }),
  );

  return (
    <div className="flex flex-col gap-4">
      {!isOwner ? <Alert tone="info">Only the workspace owner can change the defaults.</Alert> : null}
      <Card>
        <h2 className="text-lg font-semibold">Default model per tier</h2>
        <p className="mt-1 text-sm text-slate-600">
          A run that does not pick a model uses its tier&apos;s default. Models through your own keys consume no credits.
        </p>
        <div className="mt-4 flex flex-col gap-4">
          {data.tiers.map((t) => (
            <div key={t.tier} className="grid gap-2 sm:grid-cols-[8rem_1fr] sm:items-center">
              <span className="text-sm font-medium" id={`tier-${t.tier}`}>{TIER_NAMES[t.tier]}</span>
              <div className="flex flex-col gap-1">
                <ModelPicker
                  catalog={catalog}
                  value={t.isPlatformDefault ? null : t.choice}
                  onChange={(choice) => setTier.mutate({ workspaceId, tier: t.tier, choice })}
                  label={TIER_NAMES[t.tier]}
                  buttonText={
                    t.isPlatformDefault
                      ? `${t.displayName} (platform default)`
                      : t.keyLabel
                        ? `${t.displayName} · ${PROVIDERS[t.provider].name} ${t.keyLabel} (${t.maskedHint})`
                        : `${t.displayName} · ${PROVIDERS[t.provider].name}`
                  }
                  disabled={setTier.isPending}
                  readOnly={!isOwner}
                  canManageKeys={isOwner}
                  keysHref={`/w/${slug}/settings/models`}
                  defaultOption={`Platform default: ${t.platformDefault.displayName}`}
                />
                {t.broken ? (
                  <p role="status" className="text-xs text-amber-800">
                    Broken: {BROKEN[t.broken]}. Runs use the platform default ({t.platformDefault.displayName})
                    {data.allowCreditFallback ? ' and consume credits' : ' only if fallback is allowed; otherwise they fail'}.
                  </p>
                ) : null}
              </div>
            </div>
          ))}
        </div>
        {setTier.error ? <div className="mt-3"><Alert>{setTier.error.message}</Alert></div> : null}
      </Card>
      <Card>
        {setPolicy.error ? <div className="mb-3"><Alert>{setPolicy.error.message}</Alert></div> : null}
        <label className="flex items-start gap-3">
          <input
            type="checkbox"
            className="mt-1 h-4 w-4"
            checked={pendingPolicy ?? data.allowCreditFallback}
            disabled={!isOwner || setPolicy.isPending}
            onChange={(e) => {
              setPendingPolicy(e.target.checked);
              setPolicy.mutate({ workspaceId, allowCreditFallback: e.target.checked });
            }}
          />
          <span>
            <span className="block text-sm font-medium">Allow fallback to platform credits</span>
            <span className="block text-sm text-slate-600">
              When a run needs one of your keys and it is missing or rejected, use the tier&apos;s platform model and its
              credits instead (the run says so). Off: such runs fail and spend nothing.
            </span>
          </span>
        </label>
      </Card>
    </div>
  );
}
