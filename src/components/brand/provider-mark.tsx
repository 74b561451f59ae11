// Small provider marks: original monograms on each provider's signature colour (not their logos),
// enough to find a provider at a glance. Decorative: the provider's name is always next to them.
import { cn } from '~/components/ui/cn';
import type { ProviderId } from '~/lib/providers';

const MARKS: Record<ProviderId, { bg: string; fg: string; glyph: React.ReactNode }> = {
  anthropic: { bg: '#d97757', fg: '#fff', glyph: <path d="M6.5 14.5 10 5.5l3.5 9M7.8 11.3h4.4" strokeWidth="1.7" /> },
  openai: { bg: '#0f0f10', fg: '#fff', glyph: <circle cx="10" cy="10" r="4" strokeWidth="1.8" /> },
  google: { bg: '#4285f4', fg: '#fff', glyph: <path d="M13.9 8.2H10v2.9h2.3a2.8 2.8 0 1 1-.8-3.3" strokeWidth="1.7" /> },
  xai: { bg: '#27272a', fg: '#fff', glyph: <path d="m6.5 6 7 8m0-8-7 8" strokeWidth="1.7" /> },
  mistral: { bg: '#fa8c16', fg: '#fff', glyph: <path d="M6 14V6l4 4 4-4v8" strokeWidth="1.7" /> },
};

export function ProviderMark({ provider, className }: { provider: ProviderId; className?: string }) {
  const m = MARKS[provider];
  if (!m) return null;
  return (
    <svg viewBox="0 0 20 20" aria-hidden focusable="false" className={cn('size-5 shrink-0 rounded-[5px]', className)}>
      <rect width="20" height="20" rx="5" fill={m.bg} />
      <g fill="none" stroke={m.fg} strokeLinecap="round" strokeLinejoin="round">
        {m.glyph}
      </g>
    </svg>
  );
}

/** The product's own mark. */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden focusable="false" className={cn('size-6 shrink-0', className)}>
      <rect width="24" height="24" rx="6" className="fill-accent" />
      <path d="M8 12.5 11 9.5m2 5L16 11.5M9.5 15.5 8 17m8-10-1.5 1.5" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" fill="none" />
      <circle cx="12" cy="12" r="2.2" fill="#fff" />
    </svg>
  );
}
