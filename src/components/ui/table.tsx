import { cn } from '~/components/ui/cn';

/**
 * A table that scrolls sideways inside its own box on narrow screens instead of widening the page. `label`
 * names the table and its scrollable region (a landmark): a card around it should then not be a labelled
 * region of the same name.
 */
export function Table({ className, label, ...props }: React.TableHTMLAttributes<HTMLTableElement> & { label?: string }) {
  return (
    <div className="w-full overflow-x-auto" role={label ? 'region' : undefined} aria-label={label} tabIndex={label ? 0 : undefined}>
      <table aria-label={label} className={cn('w-full caption-bottom text-left text-sm', className)} {...props} />
    </div>
  );
}
export function TableHeader(props: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <thead {...props} className={cn('[&_tr]:border-b [&_tr]:border-border', props.className)} />;
}
export function TableBody(props: React.HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody {...props} className={cn('[&_tr:last-child]:border-0', props.className)} />;
}
export function TableRow(props: React.HTMLAttributes<HTMLTableRowElement>) {
  return <tr {...props} className={cn('border-b border-border', props.className)} />;
}
export function TableHead({ className, ...props }: React.ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" className={cn('h-9 whitespace-nowrap px-3 text-xs font-medium text-muted-foreground', className)} {...props} />;
}
export function TableCell({ className, ...props }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('px-3 py-2.5 align-top', className)} {...props} />;
}
