import { ExternalLink } from 'lucide-react';
import { PROVIDERS, type ProviderId } from '~/lib/providers';

export const SMALL_LINK = 'inline-flex items-center gap-1 text-xs font-medium text-accent-foreground underline-offset-4 hover:underline';

export function GetKeyLink({ provider, className }: { provider: ProviderId; className?: string }) {
  return (
    <a
      href={PROVIDERS[provider].consoleUrl}
      target="_blank"
      rel="noopener noreferrer"
      className={className ?? 'inline-flex items-center gap-1 text-sm font-medium text-accent-foreground underline-offset-4 hover:underline'}
    >
      Get a key<span className="sr-only"> from the {PROVIDERS[provider].name} console (opens in a new tab)</span>
      <ExternalLink aria-hidden className="size-3.5" />
    </a>
  );
}

