'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { describeChoice, KeysHelp, ModelPicker } from '~/components/model-picker';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Segmented } from '~/components/ui/segmented';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import type { TierSetting } from '~/lib/schemas/models';
import { PLANS } from '~/lib/plans';
import { FALLBACK_POLICIES, type FallbackPolicy, TIER_NAMES } from '~/lib/schemas/tiers';
import { useTRPC } from '~/trpc/react';

const BROKEN: Record<NonNullable<TierSetting['broken']>, string> = {
  key_missing: 'its key was removed',
  model_unavailable: 'its key no longer offers this model',
  key_failing: 'its key is failing',
};

const TIER_HELP = {
  fast: 'Quick drafts and short scripts.',
  standard: 'The everyday default.',
  premium: 'The most capable model, for final cuts.',
} as const;

const POLICY_LABELS: Record<FallbackPolicy, string> = { never: 'Never', on_limits: 'On limits', always: 'Always' };
const POLICY_HELP: Record<FallbackPolicy, string> = {
  never: 'When your keys cannot serve a run or a gateway call, it fails and spends nothing.',
  on_limits: 'Only when your keys are rate-limited or out of credit, platform credits take over (the run says so); a missing, paused or rejected key fails the call.',
  always: 'On any key problem — rate-limited, out of credit, rejected, paused or missing — platform credits take over (the run says so).',
};

export function TiersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data } = useSuspenseQuery(trpc.models.tiers.queryOptions({ workspaceId }));
  const { data: catalog } = useSuspenseQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const byok = PLANS[ws.plan].byok;
  const refresh = () => queryClient.invalidateQueries(trpc.models.tiers.queryFilter({ workspaceId }));
  const setTier = useMutation(
    trpc.models.setTier.mutationOptions({
      onSuccess: async (t) => {
        await refresh();
        toast.success(
          t.isPlatformDefault ? `${TIER_NAMES[t.tier]} uses its platform default` : `${TIER_NAMES[t.tier]} now uses ${describeChoice(catalog, t.choice)?.name ?? t.displayName}`,
          t.isPlatformDefault ? t.platformDefault.displayName : undefined,
        );
      },
      onError: (e) => toast.error('The default was not changed', e.message),
    }),
  );
  // Shown at once (a controlled switch would otherwise snap back until the server answers).
  const [pendingPolicy, setPendingPolicy] = useState<FallbackPolicy | null>(null);
  const setPolicy = useMutation(
    trpc.models.setFallbackPolicy.mutationOptions({
      onSuccess: async (r) => {
        await refresh();
        setPendingPolicy(null);
        toast.success(`Fallback to platform credits: ${POLICY_LABELS[r.fallbackPolicy].toLowerCase()}`);
      },
      onError: () => setPendingPolicy(null),
    }),
  );

  return (
    <div className="flex flex-col gap-4">
      {!isOwner ? <Alert tone="info">Only the workspace owner can change the defaults.</Alert> : null}
      <Card>
        <CardTitle>Default model per tier</CardTitle>
        <CardDescription>
          {byok
            ? 'A run that does not pick a model uses its tier’s default. Models through your own keys cost no credits; platform models do.'
            : 'A run that does not pick a model uses its tier’s default. On this plan every tier runs on platform models and credits.'}
        </CardDescription>
        <div className="mt-5 flex flex-col divide-y divide-border">
          {data.tiers.map((t) => (
            <div key={t.tier} className="grid gap-2 py-3 first:pt-0 last:pb-0 sm:grid-cols-[11rem_minmax(0,1fr)] sm:items-start sm:gap-4">
              <div>
                <p className="text-sm font-medium" id={`tier-${t.tier}`}>{TIER_NAMES[t.tier]}</p>
                <p className="text-xs text-muted-foreground">{TIER_HELP[t.tier]}</p>
              </div>
              <div className="flex min-w-0 flex-col gap-2">
                <ModelPicker
                  catalog={catalog}
                  value={t.isPlatformDefault ? null : t.choice}
                  onChange={(choice) => setTier.mutate({ workspaceId, tier: t.tier, choice })}
                  label={TIER_NAMES[t.tier]}
                  placeholder={{ provider: t.provider, name: t.platformDefault.displayName, detail: 'Platform default · credits' }}
                  defaultOption={{ provider: null, name: `Platform default: ${t.platformDefault.displayName}`, detail: 'Follows the platform’s choice for this tier' }}
                  readOnly={!isOwner}
                  myModelsAllowed={byok}
                  keysHelp={<KeysHelp byok={byok} isOwner={isOwner} slug={slug} />}
                />
                {t.broken ? (
                  <Alert
                    tone="warning"
                    title={`This default cannot be used: ${BROKEN[t.broken]}`}
                    action={
                      isOwner ? (
                        <Button asChild size="xs" variant="secondary">
                          <Link href={`/w/${slug}/settings/api-keys`}>Fix key</Link>
                        </Button>
                      ) : undefined
                    }
                  >
                    Runs use the platform default ({t.platformDefault.displayName})
                    {data.fallbackPolicy === 'always' ? ' and consume credits' : ' only if fallback is allowed; otherwise they fail'}.
                  </Alert>
                ) : null}
              </div>
            </div>
          ))}
        </div>
      </Card>
      {byok ? (
        <Card>
          {setPolicy.error ? <Alert className="mb-3">{setPolicy.error.message}</Alert> : null}
          <Segmented<FallbackPolicy>
            legend="Fallback to platform credits"
            name="fallback-policy"
            value={pendingPolicy ?? data.fallbackPolicy}
            disabled={!isOwner || setPolicy.isPending}
            options={FALLBACK_POLICIES.map((p) => ({ value: p, label: POLICY_LABELS[p] }))}
            onChange={(p) => {
              setPendingPolicy(p);
              setPolicy.mutate({ workspaceId, fallbackPolicy: p });
            }}
          />
          <p id="fallback-help" className="mt-2 text-sm text-muted-foreground">
            {POLICY_HELP[pendingPolicy ?? data.fallbackPolicy]} A provider’s other keys are always tried first, in their order
            under API Keys; every run and gateway call records which credential served it.
          </p>
        </Card>
      ) : null}
    </div>
  );
}
