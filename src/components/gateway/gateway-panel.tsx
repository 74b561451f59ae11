'use client';

import { Suspense, useState } from 'react';
import { GatewaySetup } from '~/components/gateway/gateway-setup';
import { RecentCalls } from '~/components/gateway/recent-calls';
import { RuntimeTokens } from '~/components/gateway/runtime-tokens';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { LoadingBlock } from '~/components/ui/skeleton';

/**
 * The gateway on the Developers page: setup lines and snippets for everyone; runtime tokens and recent calls
 * for owners (members use a token an owner gives them).
 */
export function GatewayPanel({ origin, canManage }: { origin: string; canManage: boolean }) {
  // A token just created fills in the setup lines; it lives in this state only, never in a query cache.
  const [fresh, setFresh] = useState<string | null>(null);
  if (!canManage) {
    return (
      <>
        <GatewaySetup origin={origin} token={null} />
        <Card>
          <CardTitle>Runtime tokens</CardTitle>
          <CardDescription>Only the workspace’s owners create and revoke runtime tokens. Ask one for a token to use above.</CardDescription>
        </Card>
      </>
    );
  }
  return (
    <>
      <GatewaySetup origin={origin} token={fresh} />
      <Suspense fallback={<LoadingBlock label="Loading runtime tokens…" />}>
        <RuntimeTokens fresh={fresh} onCreated={setFresh} />
      </Suspense>
      <Suspense fallback={<LoadingBlock label="Loading recent calls…" />}>
        <RecentCalls />
      </Suspense>
    </>
  );
}
