'use client';
// Monthly credit caps (owners): per member (their Content Studio runs) and per runtime token (its managed
// gateway calls). Past its cap, managed work is refused with cap_reached until the next month (UTC).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Input } from '~/components/ui/input';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import { toast } from '~/components/ui/toast';
import { useTRPC } from '~/trpc/react';

type Row = { kind: 'member' | 'token'; id: string; name: string; cap: number | null; used: number };

export function CapsCard({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const caps = useQuery(trpc.usage.caps.queryOptions({ workspaceId }));
  const members = useQuery(trpc.workspace.members.queryOptions({ workspaceId }));
  const tokens = useQuery(trpc.developers.runtimeTokens.queryOptions({ workspaceId }));
  if (!caps.data) return null;
  const memberName = new Map((members.data ?? []).map((m) => [m.userId, `${m.name}${m.role === 'owner' ? ' (owner)' : ''}`]));
  const tokenName = new Map((tokens.data ?? []).map((t) => [t.id, `Token ${t.label} (${t.prefix}…)`]));
  const rows: Row[] = [
    ...caps.data.members.map((m) => ({ kind: 'member' as const, id: m.userId, name: memberName.get(m.userId) ?? 'Member', cap: m.cap, used: m.usedThisMonth })),
    ...caps.data.tokens.map((t) => ({ kind: 'token' as const, id: t.tokenId, name: tokenName.get(t.tokenId) ?? 'Runtime token', cap: t.cap, used: t.usedThisMonth })),
  ];
  return (
    <Card className="p-0 sm:p-0">
      <div className="px-4 pt-4 sm:px-5">
        <CardTitle id="caps-title">Monthly credit caps</CardTitle>
        <CardDescription>
          The most credits a member’s runs or a gateway token’s managed calls may take each calendar month (UTC). Past it, that work is refused until the month ends; other members and tokens are not affected. Empty: no cap.
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
          {rows.map((r) => <CapRow key={`${r.kind}:${r.id}`} row={r} workspaceId={workspaceId} />)}
        </TableBody>
      </Table>
    </Card>
  );
}

function CapRow({ row, workspaceId }: { row: Row; workspaceId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState(row.cap === null ? '' : String(row.cap));
  const options = {
    onSuccess: async () => {
      await queryClient.invalidateQueries(trpc.usage.caps.queryFilter({ workspaceId }));
      toast.success(value.trim() ? `Cap set for ${row.name}` : `Cap lifted for ${row.name}`);
    },
  };
  const member = useMutation(trpc.usage.setMemberCap.mutationOptions(options));
  const token = useMutation(trpc.usage.setTokenCap.mutationOptions(options));
  const pending = member.isPending || token.isPending;
  const error = member.error?.message ?? token.error?.message;
  const parsed = value.trim() === '' ? null : Number(value);
  const invalid = parsed !== null && (!Number.isSafeInteger(parsed) || parsed < 0);
  const changed = parsed !== row.cap;
  const id = `cap-${row.kind}-${row.id}`;
  function save() {
    if (invalid) return;
    if (row.kind === 'member') member.mutate({ workspaceId, userId: row.id, monthlyCreditCap: parsed });
    else token.mutate({ workspaceId, tokenId: row.id, monthlyCreditCap: parsed });
  }
  return (
    <TableRow>
      <TableCell><label htmlFor={id}>{row.name}</label></TableCell>
      <TableCell className="text-right tabular-nums">{row.used.toLocaleString('en-US')}{row.cap !== null ? ` of ${row.cap.toLocaleString('en-US')}` : ''}</TableCell>
      <TableCell>
        <form className="flex items-center gap-2" onSubmit={(e) => { e.preventDefault(); save(); }}>
          <Input id={id} inputMode="numeric" className="w-32" placeholder="No cap" value={value} aria-invalid={invalid} onChange={(e) => setValue(e.target.value)} />
          <Button type="submit" size="sm" variant="secondary" disabled={!changed || invalid} loading={pending}>Save</Button>
          {invalid ? <span role="alert" className="text-xs text-destructive-foreground">A whole number of credits</span> : error ? <span role="alert" className="text-xs text-destructive-foreground">{error}</span> : null}
        </form>
      </TableCell>
    </TableRow>
  );
}
