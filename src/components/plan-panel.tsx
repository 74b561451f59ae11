'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Check, Clock, Minus } from 'lucide-react';
import dynamic from 'next/dynamic';
import { useState } from 'react';
import { LedgerCard } from '~/components/ledger-card';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { cn } from '~/components/ui/cn';
import { RelativeTime } from '~/components/ui/time';
import { toast } from '~/components/ui/toast';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { PLAN_IDS, PLANS, type Plan } from '~/lib/plans';
import { useTRPC } from '~/trpc/react';

const RequestUpgradeDialog = dynamic(() => import('~/components/request-upgrade-dialog').then((m) => m.RequestUpgradeDialog), { ssr: false });

const FEATURES: { label: string; has: (p: Plan) => boolean | string }[] = [
  { label: 'Monthly credits', has: (p) => PLANS[p].monthlyCredits.toLocaleString('en-US') },
  { label: 'Platform models and images', has: () => true },
  { label: 'Your own API keys (script runs cost no credits)', has: (p) => PLANS[p].byok },
  { label: 'Fallback to credits when a key fails', has: (p) => PLANS[p].byok },
  { label: 'Members and REST API', has: () => true },
];

export function PlanPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: pending } = useSuspenseQuery(trpc.billing.upgradeRequest.queryOptions({ workspaceId }));
  const isOwner = ws.role === 'owner';
  const rank = PLAN_IDS.indexOf(ws.plan);
  const [asking, setAsking] = useState<Plan | null>(null);
  const [note, setNote] = useState('');
  const request = useMutation(
    trpc.billing.requestUpgrade.mutationOptions({
      onSuccess: async (r) => {
        await queryClient.invalidateQueries(trpc.billing.upgradeRequest.queryFilter({ workspaceId }));
        toast.success(`Upgrade to ${PLANS[r.plan].name} requested`, 'The operator has been asked; this page shows the new plan once it is set.');
        setAsking(null);
        setNote('');
      },
    }),
  );

  return (
    <div className="flex flex-col gap-5">
      <Card aria-labelledby="current-plan">
        <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0 max-w-xl">
            <p className="text-xs font-medium uppercase tracking-wide text-muted-foreground">Current plan</p>
            <CardTitle id="current-plan" className="mt-1 text-xl">{PLANS[ws.plan].name}</CardTitle>
            <CardDescription>
              {PLANS[ws.plan].byok
                ? 'Bring your own keys: runs through them use your provider account. Platform models and images use credits.'
                : 'Runs use platform models and credits. Your own API keys need the Pro plan or above.'}
            </CardDescription>
          </div>
          <div className="shrink-0 sm:text-right">
            <p className="text-xs text-muted-foreground">Credit balance</p>
            <p className="text-2xl font-semibold tabular-nums">{ws.creditBalance.toLocaleString('en-US')}</p>
            <p className="text-xs text-muted-foreground">
              {ws.plan === 'free' ? `${credits(PLANS.free.monthlyCredits)} to start, once per account` : `+${credits(PLANS[ws.plan].monthlyCredits)} a month`}
            </p>
          </div>
        </div>
        {pending ? (
          <Alert tone="info" className="mt-4" title={`Upgrade to ${PLANS[pending.plan].name} requested`}>
            {pending.requestedBy} asked <RelativeTime date={pending.requestedAt} />
            {pending.note ? <> (“{pending.note}”)</> : null}. What happens next: plans here are set by the operator of this installation.
            They see the request in their list and change the plan; the new plan and its credits show on this page as soon as they do.
          </Alert>
        ) : null}
      </Card>

      <section aria-labelledby="compare-title" className="flex flex-col gap-3">
        <h2 id="compare-title" className="text-base font-semibold">Compare plans</h2>
        <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
          {PLAN_IDS.map((p) => {
            const current = p === ws.plan;
            const higher = PLAN_IDS.indexOf(p) > rank;
            return (
              <li
                key={p}
                aria-label={`${PLANS[p].name} plan`}
                className={cn('flex flex-col rounded-lg border bg-background p-4 shadow-xs', current ? 'border-accent ring-1 ring-accent' : 'border-border')}
              >
                <div className="flex items-center justify-between gap-2">
                  <h3 className="font-semibold">{PLANS[p].name}</h3>
                  {current ? <Badge tone="accent">Current</Badge> : null}
                </div>
                <p className="mt-1 text-2xl font-semibold tabular-nums">
                  {PLANS[p].monthlyCredits.toLocaleString('en-US')}
                  <span className="ml-1 text-xs font-normal text-muted-foreground">{p === 'free' ? 'credits to start' : 'credits / month'}</span>
                </p>
                <ul className="mt-3 flex flex-1 flex-col gap-1.5 text-sm">
                  {FEATURES.slice(1).map((f) => {
                    const has = f.has(p);
                    return (
                      <li key={f.label} className={cn('flex gap-2', has ? 'text-foreground' : 'text-muted-foreground')}>
                        {has ? <Check aria-hidden className="mt-0.5 size-4 shrink-0 text-success" /> : <Minus aria-hidden className="mt-0.5 size-4 shrink-0" />}
                        <span>
                          <span className="sr-only">{has ? 'Included: ' : 'Not included: '}</span>
                          {f.label}
                        </span>
                      </li>
                    );
                  })}
                </ul>
                {higher && isOwner ? (
                  pending?.plan === p ? (
                    <p className="mt-4 flex items-center gap-1.5 text-sm text-muted-foreground"><Clock aria-hidden className="size-4" /> Requested</p>
                  ) : (
                    <Button className="mt-4" variant={p === 'pro' ? 'primary' : 'secondary'} onClick={() => setAsking(p)} aria-label={`Request upgrade to ${PLANS[p].name}`}>
                      Request upgrade
                    </Button>
                  )
                ) : null}
              </li>
            );
          })}
        </ul>
        {!isOwner ? <p className="text-sm text-muted-foreground">Only the workspace owner can ask for another plan.</p> : null}
      </section>

      <Card aria-labelledby="credits-title">
        <CardTitle id="credits-title">How credits are spent</CardTitle>
        <ul className="mt-3 grid gap-2 text-sm sm:grid-cols-3">
          <li className="rounded-md bg-canvas p-3"><p className="font-medium">Script on a platform model</p><p className="mt-1 text-muted-foreground">Its price per 1,000 tokens in and out, at least 1 credit. Content Studio shows the range before you generate.</p></li>
          <li className="rounded-md bg-canvas p-3"><p className="font-medium">Script through your key</p><p className="mt-1 text-muted-foreground">No credits: your provider bills your own account.</p></li>
          <li className="rounded-md bg-canvas p-3"><p className="font-medium">Images</p><p className="mt-1 text-muted-foreground">A fixed price per image, on the platform’s image model, whichever way the script ran.</p></li>
        </ul>
      </Card>

      {isOwner ? <LedgerCard workspaceId={workspaceId} /> : null}

      {asking ? (
        <RequestUpgradeDialog
          planName={PLANS[asking].name}
          note={note}
          onNote={setNote}
          pending={request.isPending}
          error={request.error?.message ?? null}
          onCancel={() => {
            request.reset();
            setAsking(null);
          }}
          onSubmit={() => request.mutate({ workspaceId, plan: asking, ...(note.trim() ? { note: note.trim() } : {}) })}
        />
      ) : null}
    </div>
  );
}
