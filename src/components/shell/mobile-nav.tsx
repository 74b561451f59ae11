'use client';

import { Menu } from 'lucide-react';
import { useState } from 'react';
import { SidebarContent, type ShellUser, type ShellWorkspace } from '~/components/shell/sidebar';
import { Sheet, SheetContent, SheetTitle, SheetTrigger } from '~/components/ui/sheet';

/** The sidebar in a sheet, for screens too narrow to show it. */
export function MobileNav({ workspace, user }: { workspace: ShellWorkspace | null; user: ShellUser }) {
  const [open, setOpen] = useState(false);
  return (
    <Sheet open={open} onOpenChange={setOpen}>
      <SheetTrigger
        className="-ml-1 inline-flex size-9 items-center justify-center rounded-md text-foreground hover:bg-muted lg:hidden"
        aria-label="Open navigation"
      >
        <Menu aria-hidden className="size-5" />
      </SheetTrigger>
      <SheetContent aria-describedby={undefined}>
        <SheetTitle className="sr-only">Navigation</SheetTitle>
        <SidebarContent workspace={workspace} user={user} onNavigate={() => setOpen(false)} />
      </SheetContent>
    </Sheet>
  );
}
