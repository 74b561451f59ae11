'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '~/components/ui';
import { useCurrentWorkspace } from '~/components/workspace-context';

export function SettingsNav() {
  const { slug } = useCurrentWorkspace();
  const pathname = usePathname();
  const items = [
    { href: `/w/${slug}/settings/models`, label: 'Models' },
    { href: `/w/${slug}/settings/members`, label: 'Members' },
  ];
  return (
    <nav aria-label="Settings" className="flex gap-2">
      {items.map((i) => (
        <Link
          key={i.href}
          href={i.href}
          aria-current={pathname.startsWith(i.href) ? 'page' : undefined}
          className={cn(
            'rounded-md px-3 py-1.5 text-sm font-medium',
            pathname.startsWith(i.href) ? 'bg-slate-900 text-white' : 'text-slate-700 hover:bg-slate-200',
          )}
        >
          {i.label}
        </Link>
      ))}
    </nav>
  );
}
