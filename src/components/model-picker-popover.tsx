'use client';

// The model picker (PRODUCT.md M1): a searchable popover with "My models" (through the workspace's own
// keys, with the key they use) and "Platform models" (with their credit price). One component for
// Content Studio, the tier defaults and the account's AI defaults. cmdk gives the listbox semantics,
// filtering and arrow-key navigation; Radix Popover returns focus to the button when it closes.
import { Check, ChevronsUpDown, Layers } from 'lucide-react';
import { useId, useState } from 'react';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Badge } from '~/components/ui/badge';
import { cn } from '~/components/ui/cn';
import { Command, CommandEmpty, CommandGroup, CommandInput, CommandItem, CommandList } from '~/components/ui/command';
import { Popover, PopoverContent, PopoverTrigger } from '~/components/ui/popover';
import { contextSize, modelName } from '~/lib/model-names';
import type { Catalog, ModelChoice } from '~/lib/schemas/models';
import { type ChoiceView, describeChoice, keyText, priceText, sameChoice } from '~/components/model-choice';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { TIER_NAMES } from '~/lib/schemas/tiers';

type Option = {
  value: string;
  keywords: string[];
  provider: ProviderId | null;
  name: string;
  detail: string;
  tags: string[];
  badge: { text: string; tone: 'accent' | 'danger' | 'outline' } | null;
  choice: ModelChoice | null;
};

function buildOptions(catalog: Catalog, defaultOption: ChoiceView | undefined) {
  const byKey: { key: Catalog['myModels'][number]; options: Option[] }[] = [];
  for (const g of catalog.myModels) {
    const options: Option[] = [];
    for (const m of g.models) {
      if (!m.available) continue;
      const name = modelName(catalog, g.provider, m.modelId, m.displayName);
      const ctx = contextSize(m.contextWindow);
      options.push({
        value: `byok:${g.keyId}:${m.modelId}`,
        keywords: [name, m.modelId, PROVIDERS[g.provider].name, g.label, 'my models', 'your key'],
        provider: g.provider,
        name,
        detail: keyText(g),
        tags: ctx ? [`${ctx} context`] : [],
        badge: g.status === 'active' ? { text: 'Your key', tone: 'accent' } : { text: 'Key failing', tone: 'danger' },
        choice: { source: 'byok', keyId: g.keyId, modelId: m.modelId },
      });
    }
    if (options.length) byKey.push({ key: g, options });
  }
  const platform: Option[] = catalog.platformModels.map((m) => ({
    value: `platform:${m.id}`,
    keywords: [m.displayName, m.modelId, PROVIDERS[m.provider].name, 'platform', ...m.tiers],
    provider: m.provider,
    name: m.displayName,
    detail: priceText(m),
    tags: m.tiers.map((t) => TIER_NAMES[t]),
    badge: null,
    choice: { source: 'platform', platformModelId: m.id },
  }));
  const def: Option | null = defaultOption
    ? { value: 'default', keywords: [defaultOption.name, defaultOption.detail, 'default'], provider: defaultOption.provider, name: defaultOption.name, detail: defaultOption.detail, tags: [], badge: null, choice: null }
    : null;
  return { def, byKey, platform };
}

export function ModelPickerPopover({
  catalog,
  value,
  onChange,
  label,
  placeholder,
  disabled,
  readOnly,
  keysHelp,
  defaultOption,
  myModelsAllowed = true,
  className,
}: {
  catalog: Catalog;
  value: ModelChoice | null;
  onChange: (choice: ModelChoice | null) => void;
  /** Accessible name of the button, e.g. the tier name. */
  label: string;
  /** What the button shows when `value` is null. */
  placeholder: ChoiceView;
  disabled?: boolean;
  /** Browse only: the options cannot be chosen (members looking at the owner's defaults). */
  readOnly?: boolean;
  /** Shown when there are no models from the workspace's keys: where to add one, or why not. */
  keysHelp: React.ReactNode;
  /** An extra first option meaning "no choice" (the platform default of a tier, say). */
  defaultOption?: ChoiceView;
  /** False on plans without BYOK: My models are not offered. */
  myModelsAllowed?: boolean;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const valueId = useId();
  const shown = describeChoice(catalog, value) ?? placeholder;
  const { def, byKey, platform } = buildOptions(myModelsAllowed ? catalog : { ...catalog, myModels: [] }, defaultOption);
  const current = def && value === null ? 'default' : value ? (value.source === 'platform' ? `platform:${value.platformModelId}` : `byok:${value.keyId}:${value.modelId}`) : undefined;

  const item = (o: Option) => {
    const chosen = sameChoice(o.choice, value) && (o.choice !== null || value === null);
    return (
      <CommandItem
        key={o.value}
        value={o.value}
        keywords={o.keywords}
        disabled={readOnly}
        onSelect={() => {
          if (readOnly) return;
          onChange(o.choice);
          setOpen(false);
        }}
      >
        {o.provider ? <ProviderMark provider={o.provider} className="mt-0.5" /> : <Layers aria-hidden className="mt-0.5 size-5 text-muted-foreground" />}
        <span className="min-w-0 flex-1">
          <span className="flex items-center gap-1.5 font-medium">
            <span className="truncate">{o.name}</span>
            {chosen ? (
              <>
                <Check aria-hidden className="size-3.5 shrink-0 text-accent" />
                <span className="sr-only">(current)</span>
              </>
            ) : null}
          </span>
          <span className="block truncate text-xs text-muted-foreground">{o.detail}</span>
        </span>
        <span className="hidden shrink-0 flex-col items-end gap-1 sm:flex">
          {o.badge ? <Badge tone={o.badge.tone}>{o.badge.text}</Badge> : null}
          {o.tags.length ? <span className="text-[11px] text-muted-foreground">{o.tags.join(' · ')}</span> : null}
        </span>
      </CommandItem>
    );
  };

  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger
        aria-label={label}
        aria-describedby={valueId}
        disabled={disabled}
        className={cn(
          'flex h-auto min-h-9 w-full min-w-0 items-center gap-2.5 rounded-md border border-input bg-background px-2.5 py-1.5 text-left text-sm shadow-xs transition-colors hover:bg-muted/60 disabled:cursor-not-allowed disabled:opacity-60 data-[state=open]:border-ring',
          className,
        )}
      >
        {shown.provider ? <ProviderMark provider={shown.provider} /> : <Layers aria-hidden className="size-5 shrink-0 text-muted-foreground" />}
        <span id={valueId} className="min-w-0 flex-1">
          <span className="block truncate font-medium">{shown.name}</span>
          <span className="block truncate text-xs text-muted-foreground">{shown.detail}</span>
        </span>
        <ChevronsUpDown aria-hidden className="size-4 shrink-0 text-muted-foreground" />
      </PopoverTrigger>
      <PopoverContent aria-label={`Choose a model: ${label}`} className="w-[min(30rem,calc(100vw-1rem))] p-0">
        <Command label="Search models" defaultValue={current} loop>
          <CommandInput placeholder="Search models, providers, keys…" />
          {readOnly ? <p className="border-b border-border px-3 py-2 text-xs text-muted-foreground">Only the workspace owner can change this.</p> : null}
          {byKey.length === 0 ? (
            <div className="border-b border-border px-3 py-2.5 text-xs text-muted-foreground">
              <span className="font-medium text-foreground">My models</span> — {keysHelp}
            </div>
          ) : null}
          <CommandList label="Models">
            <CommandEmpty>No matching models.</CommandEmpty>
            {def ? <CommandGroup heading="Default">{item(def)}</CommandGroup> : null}
            {byKey.length ? (
              <CommandGroup heading="My models">{byKey.flatMap((g) => g.options.map(item))}</CommandGroup>
            ) : null}
            <CommandGroup heading="Platform models">{platform.map(item)}</CommandGroup>
          </CommandList>
        </Command>
      </PopoverContent>
    </Popover>
  );
}

