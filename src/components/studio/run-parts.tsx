'use client';

// Pieces a run is shown with, live in Content Studio and on its own page: the status badge, the steps
// with their cost in words, the script with a copy button and the images at their aspect ratio.
import { Ban, CheckCircle2, Circle, Loader2, MinusCircle, XCircle } from 'lucide-react';
import dynamic from 'next/dynamic';
import { useState } from 'react';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Badge } from '~/components/ui/badge';
import { cn } from '~/components/ui/cn';
import { CopyButton } from '~/components/ui/copy-button';
import { stepCostText } from '~/lib/costs';
import { modelName } from '~/lib/model-names';
import type { Catalog } from '~/lib/schemas/models';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import type { StepView } from '~/lib/schemas/runs';

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

const RUN_BADGE: Record<string, { text: string; tone: 'accent' | 'success' | 'danger' | 'neutral' }> = {
  pending: { text: 'Waiting', tone: 'neutral' },
  running: { text: 'Running', tone: 'accent' },
  succeeded: { text: 'Done', tone: 'success' },
  failed: { text: 'Failed', tone: 'danger' },
  cancelled: { text: 'Cancelled', tone: 'neutral' },
  interrupted: { text: 'Interrupted', tone: 'neutral' },
};

export function RunStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const b = RUN_BADGE[status] ?? { text: status, tone: 'neutral' as const };
  return (
    <Badge tone={b.tone} data-testid={testId}>
      {status === 'running' ? <Loader2 aria-hidden className="animate-spin" /> : null}
      {b.text}
    </Badge>
  );
}

const STEP: Record<string, { text: string; Icon: typeof Circle; className: string }> = {
  pending: { text: 'Waiting', Icon: Circle, className: 'text-muted-foreground' },
  running: { text: 'Running', Icon: Loader2, className: 'animate-spin text-accent' },
  succeeded: { text: 'Done', Icon: CheckCircle2, className: 'text-success' },
  failed: { text: 'Failed', Icon: XCircle, className: 'text-destructive' },
  cancelled: { text: 'Cancelled', Icon: Ban, className: 'text-muted-foreground' },
  skipped: { text: 'Skipped', Icon: MinusCircle, className: 'text-muted-foreground' },
};

export function seconds(a: Date | string | null, b: Date | string | number | null): string {
  if (!a || !b) return '';
  return `${((new Date(b).getTime() - new Date(a).getTime()) / 1000).toFixed(1)} s`;
}

export function RunSteps({
  steps,
  catalog,
  imageCount,
  now,
}: {
  steps: StepView[];
  catalog: Catalog | null;
  imageCount: number;
  /** The clock for steps still running; omitted where nothing runs any more. */
  now?: number;
}) {
  return (
    <ol className="flex flex-col divide-y divide-border rounded-md border border-border" aria-label="Steps">
      {steps.map((s) => {
        const st = STEP[s.status] ?? STEP.pending!;
        const provider = s.provider as ProviderId;
        const time = s.startedAt ? seconds(s.startedAt, s.finishedAt ?? (s.status === 'running' ? (now ?? null) : null)) : '';
        return (
          <li key={s.id} className="flex items-start gap-3 px-3 py-2.5 text-sm">
            <st.Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', st.className)} />
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
                <span className="font-medium">{s.kind === 'script' ? 'Script' : 'Images'}</span>
                <span className="text-muted-foreground">· {st.text}{s.errorCode && s.status === 'failed' ? ` (${s.errorCode.replace(/_/g, ' ')})` : ''}</span>
              </p>
              <p className="mt-0.5 flex min-w-0 items-center gap-1.5 text-xs text-muted-foreground">
                {provider in PROVIDERS ? <ProviderMark provider={provider} className="size-3.5 rounded-[3px]" /> : null}
                <span className="truncate">{modelName(catalog, provider, s.modelId)}</span>
              </p>
              <p className="mt-0.5 text-xs text-foreground">{stepCostText(s, imageCount)}</p>
            </div>
            <span className="shrink-0 text-xs tabular-nums text-muted-foreground">{time}</span>
          </li>
        );
      })}
    </ol>
  );
}

export function ScriptBox({ text, placeholder, live }: { text: string; placeholder?: string; live?: boolean }) {
  return (
    <div className="relative">
      <div
        className="min-h-24 whitespace-pre-wrap break-words rounded-md border border-border bg-canvas p-3 pr-12 text-sm leading-relaxed"
        aria-live={live ? 'polite' : undefined}
        aria-label="Script"
        role={live ? 'log' : 'region'}
        data-testid="script"
      >
        {text || <span className="text-muted-foreground">{placeholder}</span>}
      </div>
      {text ? <CopyButton value={text} label="Copy script" copiedLabel="Script copied" className="absolute right-2 top-2" /> : null}
    </div>
  );
}

const ASPECT: Record<string, string> = {
  '1:1': 'aspect-square',
  '16:9': 'aspect-video',
  '9:16': 'aspect-[9/16]',
  '4:3': 'aspect-[4/3]',
  '3:4': 'aspect-[3/4]',
};

// The full-size viewer (a dialog) is loaded when an image is first opened.
const ImageViewer = dynamic(() => import('~/components/studio/image-viewer').then((m) => m.ImageViewer), { ssr: false });

/** The run's images at their own aspect ratio; each opens full size, with a download link. */
export function ImageGrid({ images, aspectRatio }: { images: string[]; aspectRatio: string }) {
  const [open, setOpen] = useState<number | null>(null);
  const tall = aspectRatio === '9:16' || aspectRatio === '3:4';
  const current = open === null ? null : images[open];
  return (
    <>
      <ul className={cn('grid gap-2', tall ? 'grid-cols-2 sm:grid-cols-4' : 'grid-cols-1 sm:grid-cols-2')} aria-label="Generated images">
        {images.map((id, i) => (
          <li key={id}>
            <button
              type="button"
              onClick={() => setOpen(i)}
              className="block w-full overflow-hidden rounded-md border border-border bg-muted transition hover:opacity-90"
              aria-label={`Open image ${i + 1} of ${images.length}`}
            >
              {/* eslint-disable-next-line @next/next/no-img-element -- private, per-member images */}
              <img src={`/api/images/${id}`} alt="Generated for this run" className={cn('w-full object-cover', ASPECT[aspectRatio] ?? 'aspect-square')} />
            </button>
          </li>
        ))}
      </ul>
      {current ? <ImageViewer images={images} index={open!} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
