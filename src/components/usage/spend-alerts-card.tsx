'use client';
// Monthly estimated-spend alerts per key (owners): the owners are notified once a month when a key's
// estimated provider cost this month reaches the amount.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Input } from '~/components/ui/input';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import { toast } from '~/components/ui/toast';
import { useTRPC } from '~/trpc/react';

export function SpendAlertsCard({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const keys = useQuery(trpc.keys.list.queryOptions({ workspaceId }));
  const alerts = useQuery(trpc.usage.spendAlerts.queryOptions({ workspaceId }));
  if (!keys.data || !alerts.data || keys.data.length === 0) return null;
  const byKey = new Map(alerts.data.map((a) => [a.keyId, a]));
  return (
    <Card className="p-0 sm:p-0">
      <div className="px-4 pt-4 sm:px-5">
        <CardTitle id="spend-alerts-title">Monthly spend alerts</CardTitle>
        <CardDescription>Get notified once a month when a key’s estimated provider cost (list prices, not your provider’s bill) reaches an amount. Empty: no alert.</CardDescription>
      </div>
      <Table label="Monthly spend alerts" className="mt-3">
        <TableHeader>
          <TableRow>
            <TableHead>Key</TableHead>
            <TableHead className="text-right">Estimate this month</TableHead>
            <TableHead>Alert at (USD)</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {keys.data.map((k) => (
            <AlertRow key={k.id} workspaceId={workspaceId} keyId={k.id} name={`${k.provider} · ${k.label}`} current={byKey.get(k.id) ?? null} />
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}

function AlertRow({ workspaceId, keyId, name, current }: { workspaceId: string; keyId: string; name: string; current: { monthlyUsd: number; spentUsd: number; alertedThisMonth: boolean } | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState(current ? String(current.monthlyUsd) : '');
  const save = useMutation(
    trpc.usage.setSpendAlert.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.usage.spendAlerts.queryFilter({ workspaceId }));
        toast.success(value.trim() ? `Alert set for ${name}` : `Alert removed for ${name}`);
      },
    }),
  );
  const parsed = value.trim() === '' ? null : Number(value);
  const invalid = parsed !== null && (!Number.isSafeInteger(parsed) || parsed < 1);
  const id = `alert-${keyId}`;
  return (
    <TableRow>
      <TableCell><label htmlFor={id}>{name}</label></TableCell>
      <TableCell className="text-right tabular-nums">
        {current ? `$${current.spentUsd.toFixed(2)}` : '–'}
        {current?.alertedThisMonth ? <span className="ml-1 text-xs text-warning-foreground">(alerted)</span> : null}
      </TableCell>
      <TableCell>
        <form className="flex items-center gap-2" onSubmit={(e) => { e.preventDefault(); if (!invalid) save.mutate({ workspaceId, keyId, monthlyUsd: parsed }); }}>
          <Input id={id} inputMode="numeric" className="w-28" placeholder="No alert" value={value} aria-invalid={invalid} onChange={(e) => setValue(e.target.value)} />
          <Button type="submit" size="sm" variant="secondary" disabled={invalid || parsed === (current?.monthlyUsd ?? null)} loading={save.isPending}>Save</Button>
          {invalid ? <span role="alert" className="text-xs text-destructive-foreground">Whole dollars, at least 1</span> : save.error ? <span role="alert" className="text-xs text-destructive-foreground">{save.error.message}</span> : null}
        </form>
      </TableCell>
    </TableRow>
  );
}
