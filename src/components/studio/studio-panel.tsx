'use client';

import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Sparkles } from 'lucide-react';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { KeysHelp, ModelPicker } from '~/components/model-picker';
import { CostEstimate, estimateRun } from '~/components/studio/cost-estimate';
import { ImageGrid, RunStatusBadge, RunSteps, ScriptBox, seconds } from '~/components/studio/run-parts';
import { useRunEvents } from '~/components/studio/use-run-events';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card, CardTitle } from '~/components/ui/card';
import { NativeSelect, Textarea } from '~/components/ui/input';
import { Segmented } from '~/components/ui/segmented';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { PLANS } from '~/lib/plans';
import { ASPECT_RATIOS, type RunEvent, type StepView } from '~/lib/schemas/runs';
import type { ModelChoice, Tier } from '~/lib/schemas/models';
import { TIER_NAMES, TIERS } from '~/lib/schemas/tiers';
import { useTRPC, useTRPCClient } from '~/trpc/react';

type AspectRatio = (typeof ASPECT_RATIOS)[number];

type RunState = {
  runId: string | null;
  steps: StepView[];
  text: string;
  images: string[];
  imageCount: number;
  aspectRatio: AspectRatio;
  notices: string[];
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  message: string | null;
  creditsUsed: number;
  startedAt: number;
  finishedAt: number | null;
  lastEventAt: number;
};

/** After this long without new text mid-script (or before the first words), the run says it may be stalled. */
const STALL_MS = 4000;
const FIRST_WORDS_MS = 8000;

const ASPECT_OPTIONS = ASPECT_RATIOS.map((a) => {
  const [w, h] = a.split(':').map(Number) as [number, number];
  const scale = 12 / Math.max(w, h);
  return {
    value: a,
    title: `${a} (${w === h ? 'square' : w > h ? 'landscape' : 'portrait'})`,
    label: (
      <>
        <svg aria-hidden viewBox="0 0 14 14" className="size-3.5">
          <rect x={(14 - w * scale) / 2} y={(14 - h * scale) / 2} width={w * scale} height={h * scale} rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.3" />
        </svg>
        <span>{a}</span>
      </>
    ),
  };
});

export function StudioPanel() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: catalog } = useSuspenseQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const { data: tiers } = useSuspenseQuery(trpc.models.tiers.queryOptions({ workspaceId }));
  const byok = PLANS[ws.plan].byok;
  const [prompt, setPrompt] = useState('');
  const [choice, setChoice] = useState<ModelChoice | null>(null);
  const [tier, setTier] = useState<Tier>('standard');
  const [imageCount, setImageCount] = useState(2);
  const [aspectRatio, setAspectRatio] = useState<AspectRatio>('1:1');
  const [run, setRun] = useState<RunState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [cancelling, setCancelling] = useState(false);
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const generateRef = useRef<HTMLButtonElement>(null);
  const running = run?.status === 'running';
  const tierSetting = tiers.tiers.find((t) => t.tier === tier);
  const estimate = estimateRun({ catalog, tiers, byok, choice, tier, prompt, imageCount });

  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [running]);

  function refreshAfterRun() {
    setCancelling(false);
    void queryClient.invalidateQueries(trpc.workspace.get.queryFilter({ workspaceId }));
    void queryClient.invalidateQueries(trpc.generation.history.pathFilter());
  }

  function apply(e: RunEvent) {
    if (e.type === 'finished') refreshAfterRun();
    setRun((r) => {
      if (!r) return r;
      const at = Date.now();
      switch (e.type) {
        case 'started':
          return { ...r, lastEventAt: at, runId: e.runId, steps: e.steps, notices: e.fallbackNotice ? [e.fallbackNotice] : [] };
        case 'finished':
          return { ...r, lastEventAt: at, status: e.status, message: e.message, creditsUsed: e.creditsUsed, finishedAt: at };
        case 'delta':
          return { ...r, lastEventAt: at, text: r.text + e.text };
        case 'notice':
          return { ...r, lastEventAt: at, notices: [...r.notices, e.text], text: '' };
        case 'step': {
          const exists = r.steps.some((s) => s.id === e.step.id);
          return {
            ...r,
            lastEventAt: at,
            steps: exists ? r.steps.map((s) => (s.id === e.step.id ? e.step : s)) : [...r.steps.slice(0, 1), e.step, ...r.steps.slice(1)],
          };
        }
        case 'image':
          return { ...r, lastEventAt: at, images: [...r.images, e.imageId] };
      }
    });
  }

  // The run's events, from its first (a reload replays them all, then follows the live tail).
  useRunEvents(workspaceId, run?.runId ?? null, apply);

  // A reload (or a link) with ?run= shows that run again, live if it is still going.
  const shownRun = searchParams.get('run');
  useEffect(() => {
    if (!shownRun || run?.runId === shownRun) return;
    let stale = false;
    void client.generation.get.query({ workspaceId, runId: shownRun }).then(
      (r) => {
        if (stale) return;
        const t = new Date(r.createdAt).getTime();
        setRun({
          runId: r.id, steps: [], text: '', images: [], imageCount: r.imageCount, aspectRatio: r.aspectRatio as AspectRatio, notices: [], status: 'running',
          message: null, creditsUsed: 0, startedAt: t, finishedAt: null, lastEventAt: Date.now(),
        });
      },
      () => undefined,
    );
    return () => {
      stale = true;
    };
    // Only when the address names another run than the one shown.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shownRun, workspaceId]);

  async function generate() {
    setError(null);
    setCancelling(false);
    const t = Date.now();
    setRun({
      runId: null, steps: [], text: '', images: [], imageCount, aspectRatio, notices: [], status: 'running', message: null, creditsUsed: 0,
      startedAt: t, finishedAt: null, lastEventAt: t,
    });
    try {
      // The run is queued and goes on without this page: its events come from useRunEvents.
      const { runId } = await client.generation.start.mutate({ workspaceId, prompt, choice, tier, imageCount, aspectRatio });
      setRun((r) => (r ? { ...r, runId } : r));
      router.replace(`${pathname}?run=${encodeURIComponent(runId)}`, { scroll: false });
      void queryClient.invalidateQueries(trpc.workspace.get.queryFilter({ workspaceId }));
    } catch (e) {
      setRun(null);
      setError(e instanceof Error ? e.message : 'The run could not start.');
    }
  }

  async function cancel() {
    if (!run?.runId) return;
    setCancelling(true);
    try {
      // The run's worker stops it wherever it runs; its `finished` event ends the run here.
      await client.generation.cancel.mutate({ workspaceId, runId: run.runId });
    } catch (e) {
      setCancelling(false);
      setError(e instanceof Error ? e.message : 'The run could not be cancelled.');
    }
  }

  // When a run ends, Cancel disappears and Generate comes back: if the keyboard was on either, it lands
  // on Generate again rather than on the page.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) {
      const active = document.activeElement;
      if (!active || active === document.body) generateRef.current?.focus();
    }
    wasRunning.current = running;
  }, [running]);

  const stalled = running && run.text !== '' && now - run.lastEventAt > STALL_MS;
  const waitingLong = running && run.text === '' && now - run.lastEventAt > FIRST_WORDS_MS;

  return (
    <div className="flex flex-col gap-5">
      <Card>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!running) void generate();
          }}
        >
          <div className="flex flex-col gap-1.5">
            <div className="flex items-baseline justify-between">
              <label htmlFor="prompt" className="text-sm font-medium">Prompt</label>
              <span className="text-xs tabular-nums text-muted-foreground" aria-hidden>{prompt.length.toLocaleString('en-US')} / 4,000</span>
            </div>
            <Textarea
              id="prompt"
              required
              maxLength={4000}
              rows={4}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
              aria-describedby="prompt-help"
              placeholder="A 30-second explainer about how bees make honey"
            />
            <p id="prompt-help" className="text-xs text-muted-foreground">A short video script, then images for it. Ctrl+Enter generates.</p>
          </div>
          <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
            <div className="flex min-w-0 flex-col gap-1.5">
              <span className="text-sm font-medium" id="model-label">Model</span>
              <ModelPicker
                catalog={catalog}
                value={choice}
                onChange={setChoice}
                label="Model"
                placeholder={{
                  provider: tierSetting?.provider ?? null,
                  name: `${TIER_NAMES[tier]} tier default`,
                  detail: tierSetting ? `${tierSetting.displayName}${tierSetting.isPlatformDefault || tierSetting.choice?.source === 'platform' ? ' · platform' : tierSetting.keyLabel ? ` · your key “${tierSetting.keyLabel}”` : ''}` : '',
                }}
                defaultOption={{ provider: null, name: 'Use the tier default', detail: `${TIER_NAMES[tier]}: ${tierSetting?.displayName ?? ''}` }}
                myModelsAllowed={byok}
                keysHelp={<KeysHelp byok={byok} isOwner={ws.role === 'owner'} slug={slug} />}
                disabled={running}
              />
            </div>
            <div className="flex flex-col gap-1.5">
              <label htmlFor="tier" className="text-sm font-medium">Tier</label>
              <NativeSelect id="tier" value={tier} disabled={choice !== null || running} onChange={(e) => setTier(e.target.value as Tier)} aria-describedby="tier-help">
                {TIERS.map((t) => <option key={t} value={t}>{TIER_NAMES[t]}</option>)}
              </NativeSelect>
              <p id="tier-help" className="text-xs text-muted-foreground">{choice ? 'Not used: a model is picked.' : 'Used when no model is picked.'}</p>
            </div>
          </div>
          <div className="grid gap-4 sm:grid-cols-[8rem_minmax(0,1fr)]">
            <div className="flex flex-col gap-1.5">
              <label htmlFor="images" className="text-sm font-medium">Images</label>
              <NativeSelect id="images" value={imageCount} disabled={running} onChange={(e) => setImageCount(Number(e.target.value))}>
                {[0, 1, 2, 3, 4].map((n) => <option key={n} value={n}>{n}</option>)}
              </NativeSelect>
            </div>
            <Segmented
              legend="Aspect ratio"
              name="aspect"
              value={aspectRatio}
              options={ASPECT_OPTIONS}
              onChange={setAspectRatio}
              disabled={running || imageCount === 0}
            />
          </div>
          <CostEstimate estimate={estimate} balance={ws.creditBalance} />
          <div className="flex flex-wrap items-center gap-2">
            <Button ref={generateRef} type="submit" loading={running} disabled={prompt.trim() === ''}>
              {running ? 'Generating…' : (<><Sparkles aria-hidden />Generate</>)}
            </Button>
            {running ? <Button variant="secondary" onClick={() => void cancel()} loading={cancelling} disabled={!run.runId || cancelling}>Cancel</Button> : null}
          </div>
          {error ? <Alert>{error}</Alert> : null}
        </form>
      </Card>

      {run ? (
        <Card aria-labelledby="run-title">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
            <CardTitle id="run-title">Run</CardTitle>
            <RunStatusBadge status={run.status} testId="run-status" />
            <span className="text-xs tabular-nums text-muted-foreground">{seconds(new Date(run.startedAt), run.finishedAt ?? now)}</span>
            {run.status !== 'running' ? (
              <span className="text-sm text-muted-foreground" data-testid="run-credits">{credits(run.creditsUsed)} used</span>
            ) : null}
            {run.runId && run.status !== 'running' ? (
              <Link className="ml-auto text-sm font-medium text-accent-foreground underline-offset-4 hover:underline" href={`/w/${slug}/runs/${run.runId}`}>
                Run details
              </Link>
            ) : null}
          </div>
          <div className="mt-4 flex flex-col gap-3">
            {run.steps.length ? <RunSteps steps={run.steps} catalog={catalog} imageCount={run.images.length || run.imageCount} now={now} /> : null}
            {run.notices.map((n) => <Alert key={n} tone="info">{n}</Alert>)}
            {stalled || waitingLong ? (
              <Alert tone="warning">
                {stalled ? 'No new text' : 'No answer yet'} for {Math.floor((now - run.lastEventAt) / 1000)} s. The provider may be slow or
                stalled: keep waiting, or cancel (unused credits are returned).
              </Alert>
            ) : null}
            <ScriptBox text={run.text} placeholder={run.status === 'running' ? 'Waiting for the first words…' : 'No script.'} live />
            {run.message && run.status !== 'succeeded' ? <Alert tone={run.status === 'cancelled' ? 'info' : 'error'}>{run.message}</Alert> : null}
            {run.images.length ? <ImageGrid images={run.images} aspectRatio={run.aspectRatio} /> : null}
          </div>
        </Card>
      ) : null}
    </div>
  );
}
