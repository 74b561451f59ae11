'use client';

import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { Suspense, useState } from 'react';
import { InvitationsBanner } from '~/components/invitations-banner';
import { Button, cn } from '~/components/ui';
import { WorkspaceProvider } from '~/components/workspace-context';
import { PLANS } from '~/lib/plans';
import { useTRPC } from '~/trpc/react';

export function AppShell({
  workspaceId,
  user,
  children,
}: {
  workspaceId: string;
  user: { name: string; email: string };
  children: React.ReactNode;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const { data: ws } = useSuspenseQuery(trpc.workspace.get.queryOptions({ workspaceId }));
  const { data: all } = useSuspenseQuery(trpc.workspace.list.queryOptions());
  const [signingOut, setSigningOut] = useState(false);
  const base = `/w/${ws.slug}`;
  const nav = [
    { href: `${base}/studio`, label: 'Content Studio', active: pathname.startsWith(`${base}/studio`) },
    { href: `${base}/settings/models`, label: 'Settings', active: pathname.startsWith(`${base}/settings`) },
  ];

  async function signOut() {
    setSigningOut(true);
    // Loaded on use: the auth client is not needed for anything else on these pages.
    const { authClient } = await import('~/lib/auth-client');
    await authClient.signOut();
    router.replace('/sign-in');
    router.refresh();
  }

  return (
    <WorkspaceProvider value={{ id: ws.id, slug: ws.slug }}>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
          <Link href="/" className="font-semibold text-brand-700">BYOK Studio</Link>
          <label className="flex items-center gap-2 text-sm">
            <span className="sr-only">Workspace</span>
            <select
              aria-label="Workspace"
              className="max-w-[14rem] rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
              value={ws.slug}
              onChange={(e) => {
                if (e.target.value === '__new') router.push('/new-workspace');
                else router.push(`/w/${e.target.value}/studio`);
              }}
            >
              {all.map((w) => (
                <option key={w.id} value={w.slug}>
                  {w.name}
                </option>
              ))}
              <option value="__new">+ New workspace…</option>
            </select>
          </label>
          <div className="flex items-center gap-2 text-sm" aria-label="Plan and credits">
            <span data-testid="plan" className="rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-700">
              {PLANS[ws.plan].name} plan
            </span>
            <span data-testid="credits" className="rounded-full bg-indigo-50 px-2 py-0.5 font-medium text-brand-700">
              {ws.creditBalance.toLocaleString('en-US')} credits
            </span>
          </div>
          <div className="ml-auto flex items-center gap-2 text-sm">
            <Link href="/account" className="text-slate-600 underline-offset-2 hover:underline" title={user.email}>
              Account
            </Link>
            <Button variant="secondary" onClick={signOut} disabled={signingOut}>
              Sign out
            </Button>
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto flex max-w-6xl gap-1 px-4">
          {nav.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              aria-current={item.active ? 'page' : undefined}
              className={cn(
                'border-b-2 px-3 py-2 text-sm font-medium',
                item.active ? 'border-brand-600 text-brand-700' : 'border-transparent text-slate-600 hover:text-slate-900',
              )}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <Suspense fallback={null}>
          <InvitationsBanner />
        </Suspense>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        {children}
      </main>
    </WorkspaceProvider>
  );
}
