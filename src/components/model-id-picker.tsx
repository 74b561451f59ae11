'use client';

// Picks a model id for one provider outside a workspace (the account's AI defaults): the platform's
// models of that provider, the provider's own default, or, when the search matches none, the id typed.
import { Check, ChevronsUpDown, Layers } from 'lucide-react';
import { useState } from 'react';
import { ProviderMark } from '~/components/brand/provider-mark';
import { Command, CommandGroup, CommandInput, CommandItem, CommandList } from '~/components/ui/command';
import { Popover, PopoverContent, PopoverTrigger } from '~/components/ui/popover';
import { modelName, readableModelId } from '~/lib/model-names';
import type { PlatformModelDto } from '~/lib/schemas/models';
import { PROVIDERS, type ProviderId } from '~/lib/providers';

const MODEL_ID = /^[A-Za-z0-9._:/@-]{1,120}$/;

export function ModelIdPicker({
  id,
  provider,
  models,
  value,
  onChange,
  defaultLabel,
  allowCustom,
}: {
  id: string;
  provider: ProviderId;
  /** The platform's models of this provider. */
  models: PlatformModelDto[];
  value: string;
  onChange: (modelId: string) => void;
  /** What no choice means, e.g. "The key's first model". */
  defaultLabel: string;
  /** Whether a model id that is not in the list may be used (a key can offer more than the platform). */
  allowCustom: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const typed = search.trim();
  const known = models.some((m) => m.modelId === typed);
  const shown = value ? modelName({ platformModels: models }, provider, value) : defaultLabel;
  const pick = (v: string) => {
    onChange(v);
    setOpen(false);
    setSearch('');
  };
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger
        id={id}
        className="flex h-9 w-full min-w-0 items-center gap-2 rounded-md border border-input bg-background px-2.5 text-left text-sm shadow-xs hover:bg-muted/60 data-[state=open]:border-ring"
      >
        {value ? <ProviderMark provider={provider} className="size-4" /> : <Layers aria-hidden className="size-4 shrink-0 text-muted-foreground" />}
        <span className="min-w-0 flex-1 truncate">{shown}</span>
        {value ? <code className="hidden truncate font-mono text-xs text-muted-foreground sm:inline">{value}</code> : null}
        <ChevronsUpDown aria-hidden className="size-4 shrink-0 text-muted-foreground" />
      </PopoverTrigger>
      <PopoverContent aria-label={`Choose a model (${PROVIDERS[provider].name})`} className="w-[min(26rem,calc(100vw-1rem))] p-0">
        <Command label="Search models" loop defaultValue={value || '__default'}>
          <CommandInput placeholder="Search or type a model id" value={search} onValueChange={setSearch} />
          <CommandList label={`${PROVIDERS[provider].name} models`}>
            <CommandGroup heading={PROVIDERS[provider].name}>
              <CommandItem value="__default" keywords={[defaultLabel, 'default']} onSelect={() => pick('')}>
                <Layers aria-hidden className="mt-0.5 size-4 text-muted-foreground" />
                <span className="flex-1">{defaultLabel}</span>
                {!value ? <Check aria-hidden className="size-4 text-accent" /> : null}
              </CommandItem>
              {models.map((m) => (
                <CommandItem key={m.id} value={m.modelId} keywords={[m.displayName, m.modelId]} onSelect={() => pick(m.modelId)}>
                  <ProviderMark provider={provider} className="mt-0.5 size-4" />
                  <span className="min-w-0 flex-1">
                    <span className="block font-medium">{m.displayName}</span>
                    <span className="block truncate font-mono text-xs text-muted-foreground">{m.modelId}</span>
                  </span>
                  {value === m.modelId ? <Check aria-hidden className="size-4 text-accent" /> : null}
                </CommandItem>
              ))}
              {allowCustom && typed && !known && MODEL_ID.test(typed) ? (
                <CommandItem value={`custom:${typed}`} keywords={[typed]} onSelect={() => pick(typed)}>
                  <Layers aria-hidden className="mt-0.5 size-4 text-muted-foreground" />
                  <span className="min-w-0 flex-1">
                    <span className="block font-medium">Use “{readableModelId(typed)}”</span>
                    <span className="block truncate font-mono text-xs text-muted-foreground">{typed} (checked against your key when you save)</span>
                  </span>
                </CommandItem>
              ) : null}
            </CommandGroup>
          </CommandList>
        </Command>
      </PopoverContent>
    </Popover>
  );
}
