'use client';

import { useQuery } from '@tanstack/react-query';
import { ChevronsUpDown, Plus } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { ShellWorkspace } from '~/components/shell/sidebar';
import { WorkspaceAvatar } from '~/components/shell/workspace-avatar';
import {
  DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuRadioGroup, DropdownMenuRadioItem,
  DropdownMenuSeparator, DropdownMenuTrigger,
} from '~/components/ui/dropdown-menu';
import { PLANS } from '~/lib/plans';
import { useTRPC } from '~/trpc/react';

export function WorkspaceSwitcher({ workspace, onNavigate }: { workspace: ShellWorkspace; onNavigate?: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  // Fetched when the menu first opens (and prefetched by the page): the sidebar itself needs only the current one.
  const { data: all } = useQuery({ ...trpc.workspace.list.queryOptions(), enabled: open });
  const list = all ?? [workspace];
  return (
    <DropdownMenu open={open} onOpenChange={setOpen}>
      <DropdownMenuTrigger
        aria-label={`Switch workspace (current: ${workspace.name})`}
        className="flex w-full items-center gap-2.5 rounded-md border border-border bg-background px-2 py-1.5 text-left shadow-xs hover:bg-muted data-[state=open]:bg-muted"
      >
        <WorkspaceAvatar name={workspace.name} />
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-medium">{workspace.name}</span>
          <span className="block truncate text-xs text-muted-foreground">
            {PLANS[workspace.plan].name} · {workspace.role === 'owner' ? 'Owner' : 'Member'}
          </span>
        </span>
        <ChevronsUpDown aria-hidden className="size-4 shrink-0 text-muted-foreground" />
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-[var(--radix-dropdown-menu-trigger-width)] min-w-56">
        <DropdownMenuLabel>Workspaces</DropdownMenuLabel>
        <DropdownMenuRadioGroup
          value={workspace.slug}
          onValueChange={(slug) => {
            onNavigate?.();
            router.push(`/w/${slug}/studio`);
          }}
        >
          {list.map((w) => (
            <DropdownMenuRadioItem key={w.id} value={w.slug}>
              <WorkspaceAvatar name={w.name} small />
              <span className="truncate">{w.name}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={() => {
            onNavigate?.();
            router.push(`/new-workspace?from=${encodeURIComponent(workspace.slug)}`);
          }}
        >
          <Plus aria-hidden />
          New workspace
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

