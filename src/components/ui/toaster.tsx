'use client';

// Toasts on Radix Toast: announced to screen readers (status or alert), paused on hover and focus,
// dismissed by swipe, Escape or the close button. A small module-level store lets any handler call
// `toast.success(…)` without a hook. (Sonner was the first choice, but it injects a <style> element at
// run time, which the pages' Content-Security-Policy refuses.)
import * as ToastPrimitive from '@radix-ui/react-toast';
import { CheckCircle2, Info, X, XCircle } from 'lucide-react';
import { useSyncExternalStore } from 'react';
import { cn } from '~/components/ui/cn';

import { currentToasts, dismiss, subscribe } from '~/components/ui/toast';

const noSubscribe = () => () => {};

const ICONS = { success: CheckCircle2, error: XCircle, info: Info } as const;
const ICON_CLASS = { success: 'text-success', error: 'text-destructive', info: 'text-accent' } as const;

export function Toaster() {
  const list = useSyncExternalStore(subscribe, currentToasts, currentToasts);
  // Mounted only in the browser: the viewport carries an inline style that the CSP refuses in server HTML.
  const mounted = useSyncExternalStore(noSubscribe, () => true, () => false);
  if (!mounted) return null;
  return (
    <ToastPrimitive.Provider swipeDirection="right" duration={5000} label="Notification">
      {list.map((t) => {
        const Icon = ICONS[t.tone];
        return (
          <ToastPrimitive.Root
            key={t.id}
            type={t.tone === 'error' ? 'foreground' : 'background'}
            onOpenChange={(open) => {
              if (!open) dismiss(t.id);
            }}
            className={cn(
              'pointer-events-auto flex w-full items-start gap-2.5 rounded-lg border border-border bg-background p-3 pr-9 text-sm shadow-lg data-[state=open]:animate-in',
              'data-[swipe=move]:translate-x-[var(--radix-toast-swipe-move-x)] data-[swipe=end]:translate-x-[var(--radix-toast-swipe-end-x)]',
            )}
          >
            <Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', ICON_CLASS[t.tone])} />
            <div className="min-w-0 flex-1">
              <ToastPrimitive.Title className="font-medium text-foreground">{t.title}</ToastPrimitive.Title>
              {t.description ? (
                <ToastPrimitive.Description className="mt-0.5 text-muted-foreground">{t.description}</ToastPrimitive.Description>
              ) : null}
            </div>
            <ToastPrimitive.Close className="absolute right-2 top-2 rounded p-1 text-muted-foreground hover:bg-muted hover:text-foreground" aria-label="Dismiss">
              <X aria-hidden className="size-3.5" />
            </ToastPrimitive.Close>
          </ToastPrimitive.Root>
        );
      })}
      <ToastPrimitive.Viewport className="fixed bottom-0 right-0 z-[100] m-0 flex w-full max-w-sm list-none flex-col gap-2 p-4 outline-none" />
    </ToastPrimitive.Provider>
  );
}
