import { cn } from '~/components/ui/cn';

export function WorkspaceAvatar({ name, small }: { name: string; small?: boolean }) {
  return (
    <span
      aria-hidden
      className={cn(
        'flex shrink-0 items-center justify-center rounded-md bg-gradient-to-br from-indigo-500 to-violet-600 font-semibold text-white',
        small ? 'size-5 text-[10px]' : 'size-8 text-sm',
      )}
    >
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}
