'use client';

// The header's notifications: a bell with the unread count, the latest notifications, and mark read
// (one by opening it, or all). Raised by background work such as the daily key check.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Bell } from 'lucide-react';
import Link from 'next/link';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from '~/components/ui/dropdown-menu';
import { RelativeTime } from '~/components/ui/time';
import { useTRPC } from '~/trpc/react';

export function NotificationsMenu() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data } = useQuery({ ...trpc.notifications.list.queryOptions(), refetchInterval: 60_000 });
  const markRead = useMutation(
    trpc.notifications.markRead.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.notifications.list.queryFilter()) }),
  );
  const unread = data?.unread ?? 0;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        className="relative inline-flex size-9 shrink-0 items-center justify-center rounded-md hover:bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        data-testid="notifications"
      >
        <Bell aria-hidden className="size-4" />
        {unread ? (
          <span aria-hidden className="absolute right-1 top-1 min-w-4 rounded-full bg-accent px-1 text-center text-[10px] font-semibold leading-4 text-accent-foreground">
            {unread > 9 ? '9+' : unread}
          </span>
        ) : null}
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-80">
        <DropdownMenuLabel className="flex items-center justify-between">
          <span>Notifications</span>
          {unread ? (
            <button type="button" className="text-xs font-normal text-accent-foreground hover:underline" onClick={() => markRead.mutate({})}>
              Mark all read
            </button>
          ) : null}
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        {data?.items.length ? (
          data.items.map((n) => (
            <DropdownMenuItem key={n.id} asChild onSelect={() => (n.readAt ? undefined : markRead.mutate({ ids: [n.id] }))}>
              <Link href={`/w/${n.workspaceSlug}/settings/api-keys`} className="flex flex-col items-start gap-0.5">
                <span className={n.readAt ? 'text-sm' : 'text-sm font-semibold'}>{n.title}</span>
                <span className="text-xs text-muted-foreground">{n.body}</span>
                <span className="text-xs text-muted-foreground">{n.workspaceName} · <RelativeTime date={n.createdAt} /></span>
              </Link>
            </DropdownMenuItem>
          ))
        ) : (
          <p className="px-2 py-3 text-sm text-muted-foreground">Nothing new.</p>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
