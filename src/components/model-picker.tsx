'use client';

// The model picker (PRODUCT.md M1): a popover with "My models" (through the workspace's own keys,
// grouped by provider and key label, with the masked key) and "Platform models" (with their credit
// price). Search by name; arrows, Enter and Escape work; one component for Content Studio and the
// tier settings.
import Link from 'next/link';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { cn } from '~/components/ui';
import type { Catalog, ModelChoice } from '~/lib/schemas/models';
import { PROVIDERS } from '~/lib/providers';

type Option = { key: string; section: 'default' | 'my' | 'platform'; group: string; label: string; detail: string; choice: ModelChoice | null; disabled?: boolean };

export function sameChoice(a: ModelChoice | null, b: ModelChoice | null): boolean {
  if (!a || !b) return a === b;
  if (a.source === 'platform' && b.source === 'platform') return a.platformModelId === b.platformModelId;
  if (a.source === 'byok' && b.source === 'byok') return a.keyId === b.keyId && a.modelId === b.modelId;
  return false;
}

export function describeChoice(catalog: Catalog, choice: ModelChoice | null): string | null {
  if (!choice) return null;
  if (choice.source === 'platform') return catalog.platformModels.find((m) => m.id === choice.platformModelId)?.displayName ?? null;
  const g = catalog.myModels.find((k) => k.keyId === choice.keyId);
  return g ? `${choice.modelId} · ${PROVIDERS[g.provider].name} ${g.label}` : choice.modelId;
}

export function ModelPicker({
  catalog,
  value,
  onChange,
  label,
  buttonText,
  disabled,
  canManageKeys,
  keysHref,
  defaultOption,
  readOnly,
}: {
  catalog: Catalog;
  value: ModelChoice | null;
  onChange: (choice: ModelChoice | null) => void;
  /** Accessible name of the button, e.g. the tier name. */
  label: string;
  buttonText: string;
  disabled?: boolean;
  canManageKeys: boolean;
  keysHref: string;
  /** An extra first option meaning "no choice" (for example the platform default of a tier). */
  defaultOption?: string;
  /** Browse only: the options cannot be chosen (members looking at the owner's defaults). */
  readOnly?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const listId = useId();

  const options = useMemo<Option[]>(() => {
    const q = query.trim().toLowerCase();
    const match = (...texts: string[]) => !q || texts.some((t) => t.toLowerCase().includes(q));
    const out: Option[] = [];
    if (defaultOption && match(defaultOption)) out.push({ key: 'default', section: 'default', group: '', label: defaultOption, detail: '', choice: null });
    for (const g of catalog.myModels) {
      const group = `${PROVIDERS[g.provider].name} · ${g.label} (${g.maskedHint})`;
      for (const m of g.models) {
        if (!m.available || !match(m.modelId, m.displayName, PROVIDERS[g.provider].name, g.label)) continue;
        out.push({
          key: `byok:${g.keyId}:${m.modelId}`, section: 'my', group, label: m.displayName, detail: g.status === 'active' ? '' : 'key failing',
          choice: { source: 'byok', keyId: g.keyId, modelId: m.modelId },
        });
      }
    }
    for (const m of catalog.platformModels) {
      if (!match(m.displayName, m.modelId, PROVIDERS[m.provider].name)) continue;
      out.push({
        key: `platform:${m.id}`, section: 'platform', group: PROVIDERS[m.provider].name, label: m.displayName,
        detail: `${m.creditsPer1kInput}/${m.creditsPer1kOutput} credits per 1K tokens in/out`,
        choice: { source: 'platform', platformModelId: m.id },
      });
    }
    return out;
  }, [catalog, query, defaultOption]);

  function openPicker() {
    const selected = options.findIndex((o) => sameChoice(o.choice, value));
    setActive(selected >= 0 ? selected : 0);
    setOpen(true);
  }

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  function close(focusButton = true) {
    setOpen(false);
    setQuery('');
    if (focusButton) buttonRef.current?.focus();
  }

  function choose(o: Option | undefined) {
    if (!o || readOnly) return;
    onChange(o.choice);
    close();
  }

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Home') {
      e.preventDefault();
      setActive(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      setActive(options.length - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      choose(options[active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  }

  useEffect(() => {
    document.getElementById(`${listId}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const sections: { id: Option['section']; title: string }[] = [
    { id: 'default', title: '' },
    { id: 'my', title: 'My models' },
    { id: 'platform', title: 'Platform models' },
  ];

  return (
    <div ref={rootRef} className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        disabled={disabled}
        onClick={() => (open ? close() : openPicker())}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            openPicker();
          }
        }}
        className="flex w-full min-w-0 items-center justify-between gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-left text-sm shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-500"
      >
        <span className="truncate">{buttonText}</span>
        <span aria-hidden className="text-slate-400">▾</span>
      </button>
      {open ? (
        <div
          role="dialog"
          aria-label={`Choose a model: ${label}`}
          className="absolute left-0 z-20 mt-1 w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white shadow-xl"
        >
          <div className="border-b border-slate-200 p-2">
            {readOnly ? <p className="mb-2 text-xs text-slate-500">Only the workspace owner can change this.</p> : null}
            <input
              autoFocus
              role="combobox"
              aria-expanded="true"
              aria-controls={listId}
              aria-activedescendant={options[active] ? `${listId}-opt-${active}` : undefined}
              aria-label="Search models"
              placeholder="Search models"
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                setActive(0);
              }}
              onKeyDown={onKeyDown}
              className="w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            />
          </div>
          <div id={listId} role="listbox" aria-label="Models" className="max-h-80 overflow-y-auto p-1">
            {sections.map((s) => {
              const items = options.map((o, i) => ({ o, i })).filter(({ o }) => o.section === s.id);
              if (s.id === 'default' && items.length === 0) return null;
              return (
                <div key={s.id} role="group" aria-label={s.title || 'Default'}>
                  {s.title ? <h3 className="px-2 pb-1 pt-2 text-xs font-semibold uppercase tracking-wide text-slate-500">{s.title}</h3> : null}
                  {s.id === 'my' && items.length === 0 ? (
                    <p className="px-2 py-2 text-sm text-slate-600">
                      {query ? 'No matching models.' : canManageKeys ? (
                        <>No models from your own keys yet. <Link className="font-medium text-brand-700 underline" href={keysHref}>Add an API key</Link> to use them here without credits.</>
                      ) : (
                        'No models from your own keys yet. Ask your workspace owner to add an API key.'
                      )}
                    </p>
                  ) : null}
                  {items.map(({ o, i }, n) => (
                    <div key={o.key}>
                      {o.group && o.group !== items[n - 1]?.o.group ? (
                        <p className="px-2 pt-1 text-xs text-slate-500">{o.group}</p>
                      ) : null}
                      <div
                        id={`${listId}-opt-${i}`}
                        role="option"
                        aria-selected={sameChoice(o.choice, value)}
                        aria-disabled={readOnly || undefined}
                        onMouseEnter={() => setActive(i)}
                        onMouseDown={(e) => e.preventDefault()}
                        onClick={() => choose(o)}
                        className={cn(
                          'flex cursor-pointer flex-col rounded px-2 py-1.5 text-sm',
                          i === active ? 'bg-brand-600 text-white' : 'text-slate-800',
                        )}
                      >
                        <span className="flex items-center gap-2">
                          {sameChoice(o.choice, value) ? <span aria-hidden>✓</span> : null}
                          {o.label}
                        </span>
                        {o.detail ? <span className={cn('text-xs', i === active ? 'text-indigo-100' : 'text-slate-500')}>{o.detail}</span> : null}
                      </div>
                    </div>
                  ))}
                  {s.id === 'platform' && items.length === 0 ? <p className="px-2 py-2 text-sm text-slate-600">No matching models.</p> : null}
                </div>
              );
            })}
          </div>
        </div>
      ) : null}
    </div>
  );
}
