'use client';

import { KeyRound } from 'lucide-react';
import type { ReactNode } from 'react';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { RelativeTime } from '~/components/ui/time';

type ListedToken = { id: string; prefix: string; revoked: boolean; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null };

/**
 * The tokens a panel lists (personal access tokens on the Account page, runtime tokens on Developers):
 * name, prefix, state, what it may reach, its times, and Revoke, in one shape for both.
 */
export function TokenList<T extends ListedToken>({
  tokens,
  label,
  empty,
  nameOf,
  badges,
  scope,
  details,
  onRevoke,
}: {
  tokens: readonly T[];
  label: string;
  empty: string;
  nameOf: (t: T) => string;
  /** Further state badges beside Revoked (an expired runtime token). */
  badges?: (t: T) => ReactNode;
  /** What the token reaches, before its times. */
  scope?: (t: T) => ReactNode;
  /** Settings of the token shown under its times (a runtime token's monthly credit cap). */
  details?: (t: T) => ReactNode;
  onRevoke: (t: T) => void;
}) {
  if (tokens.length === 0) {
    return (
      <div className="mt-4 flex items-center gap-3 rounded-md border border-dashed border-border px-3 py-4 text-sm text-muted-foreground">
        <KeyRound aria-hidden className="size-4" /> {empty}
      </div>
    );
  }
  return (
    <ul className="mt-4 divide-y divide-border rounded-md border border-border text-sm" aria-label={label}>
      {tokens.map((t) => (
        <li key={t.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2.5">
          <div className="min-w-0 flex-1">
            <p className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{nameOf(t)}</span>
              <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{t.prefix}…</code>
              {t.revoked ? <Badge tone="neutral">Revoked</Badge> : null}
              {badges?.(t)}
            </p>
            <p className="mt-0.5 text-xs text-muted-foreground">
              {scope?.(t)}created <RelativeTime date={t.createdAt} /> · last used <RelativeTime date={t.lastUsedAt} /> ·{' '}
              {t.expiresAt ? <>expires <RelativeTime date={t.expiresAt} /></> : 'never expires'}
            </p>
            {details ? <div className="mt-1.5">{details(t)}</div> : null}
          </div>
          {t.revoked ? null : (
            <Button variant="danger-ghost" size="xs" aria-label={`Revoke ${nameOf(t)}`} onClick={() => onRevoke(t)}>
              Revoke
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}
