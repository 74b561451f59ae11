'use client';
// Monthly credit caps (owners), all in one table: per member (their Content Studio runs) and per runtime
// token (its managed gateway calls). The same editor sits on the Members and Developers pages' rows.
import { useQuery } from '@tanstack/react-query';
import { CapEditor, type CapTarget } from '~/components/caps/cap-editor';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import { useTRPC } from '~/trpc/react';

type Row = { target: CapTarget; key: string; name: string; cap: number | null; used: number };

export function CapsCard({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const caps = useQuery(trpc.usage.caps.queryOptions({ workspaceId }));
  const members = useQuery(trpc.workspace.members.queryOptions({ workspaceId }));
  const tokens = useQuery(trpc.developers.runtimeTokens.queryOptions({ workspaceId }));
  if (!caps.data) return null;
  const memberName = new Map((members.data ?? []).map((m) => [m.userId, `${m.name}${m.role === 'owner' ? ' (owner)' : ''}`]));
  const tokenName = new Map((tokens.data ?? []).map((t) => [t.id, `Token ${t.label} (${t.prefix}…)`]));
  const rows: Row[] = [
    ...caps.data.members.map((m) => ({ target: { kind: 'member' as const, userId: m.userId }, key: `member:${m.userId}`, name: memberName.get(m.userId) ?? 'Member', cap: m.cap, used: m.usedThisMonth })),
    ...caps.data.tokens.map((t) => ({ target: { kind: 'token' as const, tokenId: t.tokenId }, key: `token:${t.tokenId}`, name: tokenName.get(t.tokenId) ?? 'Runtime token', cap: t.cap, used: t.usedThisMonth })),
  ];
  return (
    <Card className="p-0 sm:p-0">
      <div className="px-4 pt-4 sm:px-5">
        <CardTitle id="caps-title">Monthly credit caps</CardTitle>
        <CardDescription>
          The most credits a member’s runs or a gateway token’s managed calls may take each calendar month (UTC). Past it, that work is refused until the month ends; other members and tokens are not affected. Empty: no cap. Also on each member’s row (Members) and each runtime token’s row (Developers).
        </CardDescription>
      </div>
      <Table label="Monthly credit caps" className="mt-3">
        <TableHeader>
          <TableRow>
            <TableHead>Who</TableHead>
            <TableHead className="text-right">Used this month</TableHead>
            <TableHead>Cap (credits)</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.key}>
              <TableCell>{r.name}</TableCell>
              <TableCell className="text-right tabular-nums">{r.used.toLocaleString('en-US')}{r.cap !== null ? ` of ${r.cap.toLocaleString('en-US')}` : ''}</TableCell>
              <TableCell>
                <CapEditor workspaceId={workspaceId} target={r.target} name={r.name} cap={r.cap} used={r.used} layout="cell" />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}
