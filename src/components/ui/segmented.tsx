import { cn } from '~/components/ui/cn';

/**
 * A row of mutually exclusive choices on native radio buttons inside a fieldset (arrow keys move between
 * them, the legend names the group). Native for the same reason as Switch.
 */
export function Segmented<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  disabled,
  className,
}: {
  legend: string;
  name: string;
  value: T;
  options: readonly { value: T; label: React.ReactNode; title?: string }[];
  onChange: (value: T) => void;
  disabled?: boolean;
  className?: string;
}) {
  return (
    <fieldset className={cn('flex min-w-0 flex-col gap-1.5', className)} disabled={disabled}>
      <legend className="mb-1.5 text-sm font-medium">{legend}</legend>
      <div className="inline-flex w-full rounded-md border border-input bg-muted p-0.5 shadow-xs">
        {options.map((o) => (
          <label
            key={o.value}
            title={o.title}
            className="relative flex h-8 min-w-0 flex-1 cursor-pointer items-center justify-center gap-1 rounded text-xs font-medium text-muted-foreground transition-colors has-[:checked]:bg-background has-[:checked]:text-foreground has-[:checked]:shadow-xs has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring has-[:disabled]:cursor-not-allowed"
          >
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              // Over the whole segment, transparent: a click anywhere on it is a click on the radio.
              className="absolute inset-0 m-0 cursor-pointer appearance-none rounded opacity-0 disabled:cursor-not-allowed"
            />
            <span className="pointer-events-none flex items-center gap-1">{o.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
