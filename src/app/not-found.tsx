import { LogoMark } from '~/components/brand/provider-mark';
import { NotFoundView } from '~/components/shell/not-found-view';

export const metadata = { title: 'Not found · BYOK Studio' };

export default function NotFound() {
  return (
    <main id="main" className="flex min-h-dvh flex-col items-center justify-center">
      <div className="flex items-center gap-2 text-sm font-semibold">
        <LogoMark /> BYOK Studio
      </div>
      <NotFoundView />
    </main>
  );
}
