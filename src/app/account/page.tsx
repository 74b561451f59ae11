import Link from 'next/link';
import { Suspense } from 'react';
import { PasswordPanel } from '~/components/account/password-panel';
import { SessionsPanel } from '~/components/account/sessions-panel';
import { AiDefaultsForm } from '~/components/ai-defaults-form';
import { TokensPanel } from '~/components/tokens-panel';
import { requireUser } from '~/app/current-workspace';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';

export default async function AccountPage() {
  const user = await requireUser();
  prefetch(trpc().account.aiDefaults.queryOptions());
  prefetch(trpc().account.tokens.queryOptions());
  prefetch(trpc().account.sessions.queryOptions());
  return (
    <HydrateClient>
      <main className="mx-auto flex max-w-3xl flex-col gap-6 px-4 py-8">
        <div>
          <Link href="/" className="text-sm text-brand-700 underline">← Back to your workspace</Link>
          <h1 className="mt-2 text-2xl font-semibold">Account settings</h1>
          <p className="text-sm text-slate-600">Signed in as {user.name} ({user.email})</p>
        </div>
        <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
          <AiDefaultsForm />
          <TokensPanel />
          <PasswordPanel />
          <SessionsPanel />
        </Suspense>
      </main>
    </HydrateClient>
  );
}
