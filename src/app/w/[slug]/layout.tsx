import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { Suspense } from 'react';
import { AppShell } from '~/components/app-shell';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { AppError } from '~/server/errors';
import { getForMember } from '~/server/services/workspaces';
import { HydrateClient, prefetch, trpc } from '~/trpc/server';

export const dynamic = 'force-dynamic';

export default async function WorkspaceLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ slug: string }>;
}) {
  const { slug } = await params;
  const user = await getSessionUser(await headers());
  if (!user) redirect('/sign-in');
  const ws = await getForMember(getDb(), user.id, { slug }).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'NOT_FOUND') notFound();
    throw e;
  });
  prefetch(trpc.workspace.get.queryOptions({ workspaceId: ws.id }));
  prefetch(trpc.workspace.list.queryOptions());
  return (
    <HydrateClient>
      <Suspense fallback={<p className="p-6 text-sm text-slate-500">Loading…</p>}>
        <AppShell workspaceId={ws.id} user={{ name: user.name, email: user.email }}>
          {children}
        </AppShell>
      </Suspense>
    </HydrateClient>
  );
}
