import { Compass } from 'lucide-react';
import Link from 'next/link';
import { buttonVariants } from '~/components/ui/button';

export function NotFoundView({ title = 'Page not found', text, href = '/', cta = 'Go to your workspace' }: { title?: string; text?: string; href?: string; cta?: string }) {
  return (
    <div className="flex flex-col items-center px-4 py-16 text-center">
      <span className="flex size-12 items-center justify-center rounded-full bg-accent-soft text-accent">
        <Compass aria-hidden className="size-6" />
      </span>
      <p className="mt-4 text-sm font-medium text-accent-foreground">404</p>
      <h1 className="mt-1 text-2xl font-semibold tracking-tight">{title}</h1>
      <p className="mt-2 max-w-md text-sm text-muted-foreground">
        {text ?? 'There is nothing at this address, or it belongs to a workspace you are not a member of.'}
      </p>
      <Link href={href} className={`${buttonVariants({ variant: 'primary' })} mt-6`}>{cta}</Link>
    </div>
  );
}
