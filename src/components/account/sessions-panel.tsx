'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { formatWhen } from '~/lib/format';
import { describeUserAgent } from '~/lib/user-agent';
import { Alert, Button, Card } from '~/components/ui';
import { useTRPC } from '~/trpc/react';

/** Where the user is signed in; any session but this one can be ended at once. */
export function SessionsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: sessions } = useSuspenseQuery(trpc.account.sessions.queryOptions());
  const revoke = useMutation(
    trpc.account.revokeSession.mutationOptions({ onSettled: () => void queryClient.invalidateQueries(trpc.account.sessions.queryFilter()) }),
  );

  return (
    <Card>
      <h2 className="text-lg font-semibold">Sessions</h2>
      <p className="mt-1 text-sm text-slate-600">Browsers and devices signed in to your account. Sign out any you do not recognise.</p>
      {revoke.error ? <div className="mt-3"><Alert>{revoke.error.message}</Alert></div> : null}
      <ul className="mt-4 divide-y divide-slate-200 text-sm" aria-label="Sessions">
        {sessions.map((s) => {
          const device = describeUserAgent(s.userAgent);
          return (
            <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2">
              <span className="font-medium" title={s.userAgent ?? undefined}>{device}</span>
              {s.ipAddress ? <span className="text-xs text-slate-500">{s.ipAddress}</span> : null}
              <span className="text-xs text-slate-500">
                signed in {formatWhen(s.createdAt)} · last active {formatWhen(s.lastActiveAt)}
              </span>
              {s.current ? (
                <span className="ml-auto rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">This session</span>
              ) : (
                <Button
                  variant="secondary"
                  className="ml-auto px-2 py-1 text-xs"
                  aria-label={`Sign out ${device}, signed in ${formatWhen(s.createdAt)}`}
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ sessionId: s.id })}
                >
                  Sign out
                </Button>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
