import { AlertTriangle, CheckCircle2, Info, XCircle } from 'lucide-react';
import type { ReactNode } from 'react';
import { cn } from '~/components/ui/cn';

const TONES = {
  error: { box: 'border-red-200 bg-destructive-soft text-destructive-foreground', Icon: XCircle },
  warning: { box: 'border-amber-200 bg-warning-soft text-warning-foreground', Icon: AlertTriangle },
  info: { box: 'border-border bg-background text-foreground', Icon: Info },
  success: { box: 'border-green-200 bg-success-soft text-success-foreground', Icon: CheckCircle2 },
} as const;

/** An inline message. Errors are announced at once (role=alert); the others politely (role=status). */
export function Alert({
  children,
  tone = 'error',
  title,
  action,
  className,
}: {
  children?: ReactNode;
  tone?: keyof typeof TONES;
  title?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  const { box, Icon } = TONES[tone];
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={cn('flex gap-2.5 rounded-md border px-3 py-2.5 text-sm', box, className)}>
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 flex-1">
        {title ? <p className="font-medium">{title}</p> : null}
        {children ? <div className={cn(title ? 'mt-0.5 opacity-90' : undefined)}>{children}</div> : null}
      </div>
      {action ? <div className="shrink-0 self-center">{action}</div> : null}
    </div>
  );
}
