'use client';

import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { describeChoice, ModelPicker } from '~/components/model-picker';
import { Alert, Button, Card, cn } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { credits } from '~/lib/format';
import { ASPECT_RATIOS, CREDENTIAL_LABELS, type RunEvent, type StepView } from '~/lib/schemas/runs';
import type { ModelChoice, Tier } from '~/lib/schemas/models';
import { TIER_NAMES, TIERS } from '~/lib/schemas/tiers';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC, useTRPCClient } from '~/trpc/react';

type RunState = {
  runId: string | null;
  steps: StepView[];
  text: string;
  images: string[];
  notices: string[];
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  message: string | null;
  creditsUsed: number;
  startedAt: number;
};

function elapsed(step: StepView, now: number): string {
  if (!step.startedAt) return '';
  const end = step.finishedAt ? new Date(step.finishedAt).getTime() : now;
  return `${((end - new Date(step.startedAt).getTime()) / 1000).toFixed(1)} s`;
}

const STEP_STATUS: Record<string, string> = {
  pending: 'Waiting', running: 'Running', succeeded: 'Done', failed: 'Failed', cancelled: 'Cancelled', skipped: 'Skipped',
};

export function StudioPanel() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { id: workspaceId, slug } = useCurrentWorkspace();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: catalog } = useSuspenseQuery(trpc.models.catalog.queryOptions({ workspaceId }));
  const [prompt, setPrompt] = useState('');
  const [choice, setChoice] = useState<ModelChoice | null>(null);
  const [tier, setTier] = useState<Tier>('standard');
  const [imageCount, setImageCount] = useState(2);
  const [aspectRatio, setAspectRatio] = useState<(typeof ASPECT_RATIOS)[number]>('1:1');
  const [run, setRun] = useState<RunState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const abortRef = useRef<AbortController | null>(null);
  const running = run?.status === 'running';

  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, [running]);

  function apply(e: RunEvent) {
    setRun((r) => {
      if (!r) return r;
      switch (e.type) {
        case 'started':
          return { ...r, runId: e.runId, steps: e.steps, notices: e.fallbackNotice ? [e.fallbackNotice] : [] };
        case 'delta':
          return { ...r, text: r.text + e.text };
        case 'notice':
          return { ...r, notices: [...r.notices, e.text], text: '' };
        case 'step': {
          const exists = r.steps.some((s) => s.id === e.step.id);
          return { ...r, steps: exists ? r.steps.map((s) => (s.id === e.step.id ? e.step : s)) : [...r.steps.slice(0, 1), e.step, ...r.steps.slice(1)] };
        }
        case 'image':
          return { ...r, images: [...r.images, e.imageId] };
        case 'finished':
          return { ...r, status: e.status, message: e.message, creditsUsed: e.creditsUsed };
      }
    });
  }

  async function generate() {
    setError(null);
    const controller = new AbortController();
    abortRef.current = controller;
    setRun({ runId: null, steps: [], text: '', images: [], notices: [], status: 'running', message: null, creditsUsed: 0, startedAt: Date.now() });
    try {
      const stream = await client.generation.start.mutate({ workspaceId, prompt, choice, tier, imageCount, aspectRatio }, { signal: controller.signal });
      for await (const event of stream) apply(event);
    } catch (e) {
      if (controller.signal.aborted) {
        setRun((r) => (r ? { ...r, status: 'cancelled', message: 'Cancelled. Unused credits were returned.' } : r));
      } else {
        setRun(null);
        setError(e instanceof Error ? e.message : 'The run could not start.');
      }
    } finally {
      abortRef.current = null;
      void queryClient.invalidateQueries(trpc.workspace.get.queryFilter({ workspaceId }));
      void queryClient.invalidateQueries(trpc.generation.history.pathFilter());
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <Card>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            void generate();
          }}
        >
          <div className="flex flex-col gap-1">
            <label htmlFor="prompt" className="text-sm font-medium">Prompt</label>
            <textarea
              id="prompt"
              required
              maxLength={4000}
              rows={4}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              placeholder="A 30-second explainer about how bees make honey"
              className="rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm"
            />
          </div>
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <div className="flex flex-col gap-1 lg:col-span-2">
              <span className="text-sm font-medium" id="model-label">Model</span>
              <ModelPicker
                catalog={catalog}
                value={choice}
                onChange={setChoice}
                label="Model"
                buttonText={describeChoice(catalog, choice) ?? `${TIER_NAMES[tier]} tier default`}
                canManageKeys={ws.role === 'owner'}
                keysHref={`/w/${slug}/settings/models`}
                defaultOption="Use the tier default"
                disabled={running}
              />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="tier" className="text-sm font-medium">Tier</label>
              <select id="tier" value={tier} disabled={choice !== null || running} onChange={(e) => setTier(e.target.value as Tier)} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
                {TIERS.map((t) => <option key={t} value={t}>{TIER_NAMES[t]}</option>)}
              </select>
            </div>
            <div className="grid grid-cols-2 gap-2">
              <div className="flex flex-col gap-1">
                <label htmlFor="images" className="text-sm font-medium">Images</label>
                <select id="images" value={imageCount} disabled={running} onChange={(e) => setImageCount(Number(e.target.value))} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
                  {[0, 1, 2, 3, 4].map((n) => <option key={n} value={n}>{n}</option>)}
                </select>
              </div>
              <div className="flex flex-col gap-1">
                <label htmlFor="aspect" className="text-sm font-medium">Aspect ratio</label>
                <select id="aspect" value={aspectRatio} disabled={running || imageCount === 0} onChange={(e) => setAspectRatio(e.target.value as (typeof ASPECT_RATIOS)[number])} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
                  {ASPECT_RATIOS.map((a) => <option key={a} value={a}>{a}</option>)}
                </select>
              </div>
            </div>
          </div>
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" disabled={running || prompt.trim() === ''}>{running ? 'Generating…' : 'Generate'}</Button>
            {running ? <Button variant="secondary" onClick={() => abortRef.current?.abort()}>Cancel</Button> : null}
            <p className="text-xs text-slate-500">Your own keys cost no credits; platform models and images do.</p>
          </div>
          {error ? <Alert>{error}</Alert> : null}
        </form>
      </Card>

      {run ? (
        <Card>
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="text-lg font-semibold">Run</h2>
            <span className={cn('rounded-full px-2 py-0.5 text-xs font-medium', run.status === 'succeeded' ? 'bg-green-50 text-green-800' : run.status === 'running' ? 'bg-indigo-50 text-brand-700' : 'bg-red-50 text-red-800')} data-testid="run-status">
              {run.status === 'running' ? 'Running' : run.status === 'succeeded' ? 'Done' : run.status === 'cancelled' ? 'Cancelled' : 'Failed'}
            </span>
            {run.status !== 'running' ? <span className="text-sm text-slate-600" data-testid="run-credits">{credits(run.creditsUsed)} used</span> : null}
            {run.runId && run.status !== 'running' ? <Link className="ml-auto text-sm text-brand-700 underline" href={`/w/${slug}/studio/runs/${run.runId}`}>Run details</Link> : null}
          </div>
          <ol className="mt-3 flex flex-col gap-1 text-sm" aria-label="Steps">
            {run.steps.map((s) => (
              <li key={s.id} className="flex flex-wrap gap-x-2">
                <span className="font-medium capitalize">{s.kind}</span>
                <span>{STEP_STATUS[s.status] ?? s.status}</span>
                <span className="text-slate-500">{PROVIDERS[s.provider as ProviderId]?.name ?? s.provider} {s.modelId}</span>
                <span className="text-slate-500">· {CREDENTIAL_LABELS[s.credentialSource]}</span>
                <span className="text-slate-500">{elapsed(s, now)}</span>
                {s.status === 'succeeded' ? <span className="text-slate-500">· {credits(s.credits)}</span> : null}
              </li>
            ))}
          </ol>
          {run.notices.map((n) => <div key={n} className="mt-3"><Alert tone="info">{n}</Alert></div>)}
          <div className="mt-3 whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm leading-relaxed" aria-live="polite" aria-label="Script" data-testid="script">
            {run.text || (run.status === 'running' ? 'Waiting for the first words…' : '')}
          </div>
          {run.message && run.status !== 'succeeded' ? <div className="mt-3"><Alert tone={run.status === 'cancelled' ? 'info' : 'error'}>{run.message}</Alert></div> : null}
          {run.images.length ? (
            <div className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label="Generated images">
              {run.images.map((id) => (
                // eslint-disable-next-line @next/next/no-img-element -- private, per-member images
                <img key={id} src={`/api/images/${id}`} alt="Generated for this run" className="aspect-square w-full rounded-md border border-slate-200 object-cover" />
              ))}
            </div>
          ) : null}
        </Card>
      ) : null}
    </div>
  );
}
