'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ImageGrid, RunStatusBadge, RunSteps, ScriptBox, seconds } from '~/components/studio/run-parts';
import { useRunEvents } from '~/components/studio/use-run-events';
import { Button } from '~/components/ui/button';
import { Alert } from '~/components/ui/alert';
import { Card, CardTitle } from '~/components/ui/card';
import { RelativeTime } from '~/components/ui/time';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import type { StepView } from '~/lib/schemas/runs';
import { TIER_NAMES, type Tier } from '~/lib/schemas/tiers';
import { useTRPC, useTRPCClient } from '~/trpc/react';

export type RunDetailData = {
  id: string;
  prompt: string;
  status: string;
  tier: string | null;
  errorMessage: string | null;
  imageCount: number;
  aspectRatio: string;
  creditsUsed: number;
  createdAt: Date;
  finishedAt: Date | null;
  steps: (StepView & { text: string | null })[];
  images: string[];
};

/** A run still going, as its events tell it (replayed from the first, then live); null once it is not. */
function useLiveRun(workspaceId: string, run: RunDetailData) {
  const router = useRouter();
  const going = run.status === 'queued' || run.status === 'running';
  const [live, setLive] = useState<{ text: string; steps: StepView[] | null; images: string[] }>({ text: '', steps: null, images: [] });
  useRunEvents(workspaceId, going ? run.id : null, (e) => {
    if (e.type === 'finished') return router.refresh(); // the page reads the finished run again
    setLive((l) => {
      switch (e.type) {
        case 'started':
          return { ...l, steps: e.steps };
        case 'delta':
          return { ...l, text: l.text + e.text };
        case 'notice':
          return { ...l, text: '' };
        case 'step':
          return { ...l, steps: l.steps?.some((x) => x.id === e.step.id) ? l.steps.map((x) => (x.id === e.step.id ? e.step : x)) : [...(l.steps ?? []), e.step] };
        case 'image':
          return { ...l, images: [...l.images, e.imageId] };
      }
    });
  });
  return going ? live : null;
}

export function RunDetail({ run: stored }: { run: RunDetailData }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { id: workspaceId } = useCurrentWorkspace();
  const { data: catalog } = useQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const live = useLiveRun(workspaceId, stored);
  const [cancelling, setCancelling] = useState(false);
  const run = live
    ? { ...stored, steps: (live.steps ?? stored.steps).map((s) => ({ ...s, text: null })), images: live.images.length ? live.images : stored.images }
    : stored;
  const script = live ? { text: live.text } : run.steps.filter((s) => s.kind === 'script').at(-1);
  return (
    <div className="flex flex-col gap-4">
      <Card>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-4">
          <div>
            <dt className="text-xs text-muted-foreground">Status</dt>
            <dd className="mt-1" data-testid="run-page-status" data-status={run.status}><RunStatusBadge status={run.status} /></dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">Credits</dt>
            <dd className="mt-1 font-medium tabular-nums">{credits(run.creditsUsed)}</dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">Started</dt>
            <dd className="mt-1"><RelativeTime date={run.createdAt} /></dd>
          </div>
          <div>
            <dt className="text-xs text-muted-foreground">Duration</dt>
            <dd className="mt-1 tabular-nums">{seconds(run.createdAt, run.finishedAt) || '—'}</dd>
          </div>
          {run.tier ? (
            <div>
              <dt className="text-xs text-muted-foreground">Model from</dt>
              <dd className="mt-1">{TIER_NAMES[run.tier as Tier] ?? run.tier} tier default</dd>
            </div>
          ) : null}
        </dl>
        {live ? (
          <div className="mt-4">
            <Button
              variant="secondary"
              loading={cancelling}
              disabled={cancelling}
              onClick={() => {
                setCancelling(true);
                void client.generation.cancel.mutate({ workspaceId, runId: run.id }).catch(() => setCancelling(false));
              }}
            >
              Cancel run
            </Button>
          </div>
        ) : null}
        {run.errorMessage ? <Alert className="mt-4" tone={run.status === 'cancelled' ? 'info' : 'error'}>{run.errorMessage}</Alert> : null}
      </Card>
      <Card>
        <CardTitle>Steps and cost</CardTitle>
        <div className="mt-3">
          <RunSteps steps={run.steps} catalog={catalog ?? null} imageCount={run.images.length} />
        </div>
        <dl className="mt-3 grid gap-1 text-xs text-muted-foreground sm:grid-cols-2">
          {run.steps.map((s) =>
            s.kind === 'script' && (s.inputTokens !== null || s.outputTokens !== null) ? (
              <div key={s.id}>
                <dt className="inline">Script tokens in / out: </dt>
                <dd className="inline tabular-nums">{s.inputTokens ?? '—'} / {s.outputTokens ?? '—'}</dd>
              </div>
            ) : null,
          )}
        </dl>
      </Card>
      <Card>
        <CardTitle>Script</CardTitle>
        <div className="mt-3">
          <ScriptBox text={script?.text ?? ''} placeholder={live ? 'Waiting for the first words…' : 'No script.'} live={!!live} />
        </div>
      </Card>
      {run.images.length ? (
        <Card>
          <CardTitle>Images</CardTitle>
          <div className="mt-3">
            <ImageGrid images={run.images} aspectRatio={run.aspectRatio} />
          </div>
        </Card>
      ) : null}
    </div>
  );
}
