'use client';

import {
  BarChart3, Boxes, Code2, CreditCard, History, KeyRound, LogOut, Plus, Settings, Sparkles, UserRound, Users,
} from 'lucide-react';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useState } from 'react';
import { LogoMark } from '~/components/brand/provider-mark';
import { cn } from '~/components/ui/cn';
import type { Plan } from '~/lib/plans';

export type ShellWorkspace = { id: string; slug: string; name: string; plan: Plan; creditBalance: number; role: 'owner' | 'member' };
export type ShellUser = { name: string; email: string };

const SETTINGS = [
  { path: 'settings/api-keys', label: 'API Keys', icon: KeyRound },
  { path: 'settings/models', label: 'Models', icon: Boxes },
  { path: 'settings/members', label: 'Members', icon: Users },
  { path: 'settings/developers', label: 'Developers', icon: Code2 },
  { path: 'settings/usage', label: 'Usage', icon: BarChart3 },
  { path: 'settings/plan', label: 'Plan & credits', icon: CreditCard },
] as const;

/** The name of the page the user is on, for the top bar. */
export function sectionTitle(pathname: string, slug: string | null): string {
  if (pathname.startsWith('/account')) return 'Account';
  if (pathname.startsWith('/new-workspace')) return 'New workspace';
  if (!slug) return 'BYOK Studio';
  const rest = pathname.slice(`/w/${slug}/`.length);
  const setting = SETTINGS.find((s) => rest.startsWith(s.path));
  if (setting) return `Settings / ${setting.label}`;
  if (rest.startsWith('runs')) return 'Runs';
  return 'Content Studio';
}

// Loaded after the page (its menu is needed only when opened); until then a look-alike stands in.
const WorkspaceSwitcher = dynamic(() => import('~/components/shell/workspace-switcher').then((m) => m.WorkspaceSwitcher), {
  ssr: false,
  loading: () => <SwitcherPlaceholder />,
});

export function SidebarContent({
  workspace,
  user,
  onNavigate,
}: {
  workspace: ShellWorkspace | null;
  user: ShellUser;
  onNavigate?: () => void;
}) {
  const pathname = usePathname();
  const base = workspace ? `/w/${workspace.slug}` : null;
  const link = (href: string, label: string, Icon: React.ComponentType<{ className?: string; 'aria-hidden'?: boolean }>, opts: { exact?: boolean; sub?: boolean; activePrefix?: string } = {}) => {
    const current = opts.exact === false ? false : pathname === href || pathname.startsWith(`${href}/`);
    const highlighted = current || (opts.activePrefix ? pathname.startsWith(opts.activePrefix) : false);
    return (
      <Link
        href={href}
        onClick={onNavigate}
        aria-current={current ? 'page' : undefined}
        className={cn(
          'flex h-8 items-center gap-2.5 rounded-md px-2 text-sm transition-colors [&_svg]:size-4 [&_svg]:shrink-0',
          highlighted ? 'bg-muted font-medium text-foreground' : 'text-muted-foreground hover:bg-muted hover:text-foreground',
          opts.sub && 'h-7 text-[13px]',
          opts.sub && current && 'text-accent-foreground',
        )}
      >
        <Icon aria-hidden className={cn(highlighted && !opts.sub && 'text-accent')} />
        {label}
      </Link>
    );
  };

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex h-14 shrink-0 items-center gap-2 border-b border-border px-4">
        <LogoMark />
        <Link href="/" onClick={onNavigate} className="text-sm font-semibold tracking-tight">BYOK Studio</Link>
      </div>
      <div className="px-3 pt-3">{workspace ? <WorkspaceSwitcher workspace={workspace} onNavigate={onNavigate} /> : null}</div>
      <nav aria-label="Main" className="min-h-0 flex-1 overflow-y-auto px-3 py-3">
        {base ? (
          <ul className="flex flex-col gap-0.5">
            <li>{link(`${base}/studio`, 'Content Studio', Sparkles)}</li>
            <li>{link(`${base}/runs`, 'Runs', History)}</li>
            <li className="mt-3">
              {link(`${base}/settings`, 'Settings', Settings, { exact: false, activePrefix: `${base}/settings` })}
              <ul className="ml-4 mt-0.5 flex flex-col gap-0.5 border-l border-border pl-2">
                {SETTINGS.map((s) => (
                  <li key={s.path}>{link(`${base}/${s.path}`, s.label, s.icon, { sub: true })}</li>
                ))}
              </ul>
            </li>
          </ul>
        ) : (
          <ul className="flex flex-col gap-0.5">
            <li>{link('/new-workspace', 'New workspace', Plus)}</li>
          </ul>
        )}
      </nav>
      <UserFooter user={user} from={workspace?.slug ?? null} onNavigate={onNavigate} />
    </div>
  );
}

function SwitcherPlaceholder() {
  return <div aria-hidden className="h-[50px] w-full rounded-md border border-border bg-background shadow-xs" />;
}

function UserFooter({ user, from, onNavigate }: { user: ShellUser; from: string | null; onNavigate?: () => void }) {
  const router = useRouter();
  const pathname = usePathname();
  const [signingOut, setSigningOut] = useState(false);
  async function signOut() {
    setSigningOut(true);
    // Loaded on use: the auth client is not needed for anything else on these pages.
    const { authClient } = await import('~/lib/auth-client');
    await authClient.signOut();
    router.replace('/sign-in');
    router.refresh();
  }
  const accountHref = from ? `/account?from=${encodeURIComponent(from)}` : '/account';
  const onAccount = pathname.startsWith('/account');
  return (
    <div className="shrink-0 border-t border-border p-3">
      <div className="flex items-center gap-2.5 px-1 pb-2">
        <span aria-hidden className="flex size-8 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold text-foreground">
          {initials(user.name)}
        </span>
        <span className="min-w-0">
          <span className="block truncate text-sm font-medium">{user.name}</span>
          <span className="block truncate text-xs text-muted-foreground">{user.email}</span>
        </span>
      </div>
      <div className="flex gap-1">
        <Link
          href={accountHref}
          onClick={onNavigate}
          aria-current={onAccount ? 'page' : undefined}
          className={cn(
            'flex h-8 flex-1 items-center gap-2 rounded-md px-2 text-sm hover:bg-muted [&_svg]:size-4',
            onAccount ? 'bg-muted font-medium' : 'text-muted-foreground hover:text-foreground',
          )}
        >
          <UserRound aria-hidden />
          Account
        </Link>
        <button
          type="button"
          onClick={signOut}
          disabled={signingOut}
          className="flex h-8 items-center gap-2 rounded-md px-2 text-sm text-muted-foreground hover:bg-muted hover:text-foreground disabled:opacity-50 [&_svg]:size-4"
        >
          <LogOut aria-hidden />
          Sign out
        </button>
      </div>
    </div>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase();
}

