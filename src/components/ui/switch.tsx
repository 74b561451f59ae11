import { cn } from '~/components/ui/cn';

/**
 * An on/off switch on a native checkbox (role=switch): label, keyboard and forms work as for any
 * checkbox. Radix's switch adds a hidden input with an inline style attribute, which the pages' strict
 * Content-Security-Policy refuses when it is rendered on the server.
 */
export function Switch({ className, ...props }: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'type' | 'role'>) {
  return (
    <input
      type="checkbox"
      role="switch"
      className={cn(
        'relative h-5 w-9 shrink-0 cursor-pointer appearance-none rounded-full bg-zinc-300 transition-colors',
        "before:absolute before:left-0.5 before:top-0.5 before:size-4 before:rounded-full before:bg-white before:shadow-sm before:transition-transform before:content-['']",
        'checked:bg-accent checked:before:translate-x-4 disabled:cursor-not-allowed disabled:opacity-50',
        className,
      )}
      {...props}
    />
  );
}
