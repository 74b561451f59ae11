'use client';

import { Coins } from 'lucide-react';
import { describeChoice } from '~/components/model-picker';
import { rangeText, scriptCreditRange } from '~/lib/costs';
import { credits } from '~/lib/format';
import type { Catalog, ModelChoice, Tier, TierSetting } from '~/lib/schemas/models';
import { PROVIDERS } from '~/lib/providers';
import type { FallbackPolicy } from '~/lib/schemas/tiers';

type Line = { what: string; cost: string };

/**
 * What Generate will cost, before it is pressed: the script step (nothing through the workspace's own
 * key; a range on a platform model, the most being what is reserved) and the images (exact).
 */
export function estimateRun(input: {
  catalog: Catalog;
  tiers: { tiers: TierSetting[]; fallbackPolicy: FallbackPolicy };
  byok: boolean;
  choice: ModelChoice | null;
  tier: Tier;
  prompt: string;
  imageCount: number;
}): { lines: Line[]; max: number; blocked: string | null } {
  const { catalog, choice, prompt } = input;
  const platformRange = (provider: string, modelId: string) => {
    const m = catalog.platformModels.find((x) => x.provider === provider && x.modelId === modelId);
    return m ? scriptCreditRange({ in: m.creditsPer1kInput, out: m.creditsPer1kOutput }, prompt) : null;
  };
  const lines: Line[] = [];
  let max = 0;
  let blocked: string | null = null;
  const managed = (what: string, r: { min: number; max: number } | null) => {
    lines.push({ what, cost: r ? rangeText(r) : 'platform credits' });
    max += r?.max ?? 0;
  };

  if (choice?.source === 'platform') {
    const m = catalog.platformModels.find((x) => x.id === choice.platformModelId);
    managed(`Script on ${m?.displayName ?? 'a platform model'}`, m ? platformRange(m.provider, m.modelId) : null);
  } else if (choice?.source === 'byok') {
    const view = describeChoice(catalog, choice);
    const g = catalog.myModels.find((k) => k.keyId === choice.keyId);
    lines.push({ what: `Script on ${view?.name ?? choice.modelId} through your ${g ? PROVIDERS[g.provider].name : ''} key`.replace('  ', ' '), cost: 'no credits' });
  } else {
    const t = input.tiers.tiers.find((x) => x.tier === input.tier);
    if (t) {
      const onPlatform = t.isPlatformDefault || t.choice?.source === 'platform';
      const usable = !onPlatform && input.byok && !t.broken;
      if (onPlatform) {
        managed(`Script on ${t.displayName} (tier default)`, platformRange(t.provider, t.modelId));
      } else if (usable) {
        lines.push({ what: `Script on ${t.displayName} through your ${PROVIDERS[t.provider].name} key (tier default)`, cost: 'no credits' });
      } else if (input.tiers.fallbackPolicy === 'always') {
        const d = catalog.platformModels.find((x) => x.id === t.platformDefault.id);
        managed(`Script on ${t.platformDefault.displayName} (fallback: the tier’s key cannot be used)`, d ? platformRange(d.provider, d.modelId) : null);
      } else {
        blocked = 'The tier default’s key cannot be used and fallback to credits is off: this run would fail. Pick a model or fix the key.';
      }
    }
  }
  if (input.imageCount > 0) {
    const each = catalog.imageCreditsPerImage;
    const n = input.imageCount;
    lines.push({ what: `${n} image${n === 1 ? '' : 's'}${each !== null ? ` at ${credits(each)} each` : ''}`, cost: each !== null ? credits(each * n) : 'platform credits' });
    max += (each ?? 0) * n;
  }
  return { lines, max, blocked };
}

export function CostEstimate({ estimate, balance }: { estimate: ReturnType<typeof estimateRun>; balance: number }) {
  const short = estimate.max > balance;
  return (
    <div className="rounded-md border border-border bg-canvas px-3 py-2.5 text-sm" aria-labelledby="estimate-title" role="group">
      <p id="estimate-title" className="flex items-center gap-1.5 text-xs font-medium text-muted-foreground">
        <Coins aria-hidden className="size-3.5" /> Estimated cost
      </p>
      <ul className="mt-1.5 flex flex-col gap-1" data-testid="estimate">
        {estimate.lines.map((l) => (
          <li key={l.what} className="flex flex-wrap justify-between gap-x-4">
            <span className="min-w-0 text-foreground">{l.what}</span>
            <span className="shrink-0 tabular-nums text-muted-foreground">{l.cost}</span>
          </li>
        ))}
      </ul>
      <p className="mt-2 flex flex-wrap justify-between gap-x-4 border-t border-border pt-2 text-xs">
        <span className="font-medium">{estimate.max === 0 ? 'No credits' : `Up to ${credits(estimate.max)}`}</span>
        <span className={short ? 'font-medium text-destructive-foreground' : 'text-muted-foreground'}>
          {short ? `Not enough: the workspace has ${credits(balance)}` : `Balance ${credits(balance)}`}
        </span>
      </p>
      {estimate.blocked ? <p role="alert" className="mt-2 text-xs text-destructive-foreground">{estimate.blocked}</p> : null}
    </div>
  );
}
