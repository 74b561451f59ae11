'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import dynamic from 'next/dynamic';
import { useMemo, useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Badge } from '~/components/ui/badge';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardHeader, CardTitle } from '~/components/ui/card';
import { Input, NativeSelect } from '~/components/ui/input';
import { Segmented } from '~/components/ui/segmented';
import { Skeleton } from '~/components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '~/components/ui/table';
import type { ChartPoint, ChartSeries } from '~/components/usage/usage-chart';
import { useCurrentWorkspace } from '~/components/workspace-context';
import { toCsv } from '~/lib/csv';
import type { UsageReport } from '~/lib/schemas/usage';
import { USAGE_GROUP_NAMES, USAGE_GROUPS, USAGE_MAX_DAYS, type UsageGroup, type UsageInterval, dayNumber, dayString } from '~/lib/usage';
import { useTRPC } from '~/trpc/react';

// recharts is big: only this page loads it, after the page itself (the table is readable meanwhile).
const UsageChart = dynamic(() => import('~/components/usage/usage-chart').then((m) => m.UsageChart), {
  ssr: false,
  loading: () => <Skeleton className="h-[260px] w-full" />,
});

type Preset = '7d' | '30d' | '90d' | '365d' | 'custom';
const PRESETS: { value: Preset; label: string; days: number }[] = [
  { value: '7d', label: '7 days', days: 7 },
  { value: '30d', label: '30 days', days: 30 },
  { value: '90d', label: '90 days', days: 90 },
  { value: '365d', label: '12 months', days: 365 },
];
type Metric = 'credits' | 'calls' | 'tokens' | 'cost';
const METRICS: { value: Metric; label: string }[] = [
  { value: 'credits', label: 'Credits' },
  { value: 'calls', label: 'Calls' },
  { value: 'tokens', label: 'Tokens' },
  { value: 'cost', label: 'Est. cost' },
];
const MAX_SERIES = 6;

const int = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n > 0 && n < 0.01 ? 4 : 2 })}`;
const metricOf = (r: UsageReport['rows'][number], m: Metric) =>
  m === 'credits' ? r.credits : m === 'calls' ? r.calls : m === 'tokens' ? r.inputTokens + r.outputTokens : r.estimatedCostUsd;

/** The query for a preset: the 30-day default lets the server pick the days (and matches the page's prefetch). */
export function presetQuery(preset: Preset, custom: { from: string; to: string }, today = new Date()) {
  if (preset === 'custom') return custom;
  if (preset === '30d') return {};
  const days = PRESETS.find((p) => p.value === preset)!.days;
  return { from: dayString(new Date(today.getTime() - (days - 1) * 86_400_000)), to: dayString(today) };
}

export function UsagePanel() {
  const trpc = useTRPC();
  const { id: workspaceId } = useCurrentWorkspace();
  const [preset, setPreset] = useState<Preset>('30d');
  const [custom, setCustom] = useState(() => {
    const today = new Date();
    return { from: dayString(new Date(today.getTime() - 29 * 86_400_000)), to: dayString(today) };
  });
  const [groupBy, setGroupBy] = useState<UsageGroup>('source');
  const [interval, setInterval] = useState<UsageInterval>('day');
  const [metric, setMetric] = useState<Metric>('credits');

  const customError =
    preset !== 'custom' ? null
    : !custom.from || !custom.to ? 'Pick both days.'
    : custom.from > custom.to ? 'The first day must be on or before the last.'
    : dayNumber(custom.to) - dayNumber(custom.from) + 1 > USAGE_MAX_DAYS ? `Pick at most ${USAGE_MAX_DAYS} days.`
    : null;
  const input = { workspaceId, groupBy, interval, ...presetQuery(preset, custom) };
  const report = useQuery({ ...trpc.usage.report.queryOptions(input), placeholderData: keepPreviousData, enabled: !customError });
  const data = report.data;

  const chart = useMemo(() => (data ? chartData(data, metric) : null), [data, metric]);
  const format = metric === 'cost' ? usd : (n: number) => compact.format(n);

  function exportCsv() {
    if (!data) return;
    const header = ['period', USAGE_GROUP_NAMES[data.groupBy].toLowerCase(), 'group_id', 'calls', 'runs', 'input_tokens', 'output_tokens', 'credits', 'estimated_cost_usd'];
    const rows = data.rows.map((r) => [r.period, r.label, r.group, r.calls, r.runs, r.inputTokens, r.outputTokens, r.credits, r.estimatedCostUsd]);
    const blob = new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `usage-${data.from}-to-${data.to}-by-${data.groupBy}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  }

  return (
    <div className="flex flex-col gap-5">
      <Card aria-label="Usage filters" className="flex flex-col gap-4">
        <div className="flex flex-wrap items-end gap-4">
          <Segmented legend="Range" name="usage-range" value={preset} className="w-full sm:w-auto sm:min-w-80"
            options={[...PRESETS.map((p) => ({ value: p.value, label: p.label })), { value: 'custom' as const, label: 'Custom' }]} onChange={setPreset} />
          {preset === 'custom' ? (
            <div className="flex items-end gap-2">
              <label className="flex flex-col gap-1.5 text-sm font-medium">From
                <Input type="date" value={custom.from} max={custom.to} aria-invalid={!!customError} onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))} />
              </label>
              <label className="flex flex-col gap-1.5 text-sm font-medium">To
                <Input type="date" value={custom.to} min={custom.from} aria-invalid={!!customError} onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))} />
              </label>
            </div>
          ) : null}
          <label className="flex flex-col gap-1.5 text-sm font-medium">Group by
            <NativeSelect value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageGroup)} className="w-44">
              {USAGE_GROUPS.map((g) => <option key={g} value={g}>{USAGE_GROUP_NAMES[g]}</option>)}
            </NativeSelect>
          </label>
          <Segmented legend="Per" name="usage-interval" value={interval} className="w-40"
            options={[{ value: 'day', label: 'Day' }, { value: 'month', label: 'Month' }]} onChange={setInterval} />
        </div>
        {customError ? <p role="alert" className="text-sm text-destructive-foreground">{customError}</p> : null}
        {data?.scope === 'own' ? <p className="text-sm text-muted-foreground">You see your own Content Studio runs. The workspace owner sees everyone’s usage and the gateway’s.</p> : null}
      </Card>

      {report.isError ? <Alert tone="error" title="Usage could not be loaded">{report.error.message}</Alert> : null}

      {!data ? <Skeleton className="h-80 w-full" /> : (
        <>
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-5" aria-label="Totals">
            <Stat label="Credits" value={int.format(data.totals.credits)} />
            <Stat label="Calls" value={int.format(data.totals.calls)} />
            <Stat label="Runs" value={int.format(data.totals.runs)} />
            <Stat label="Tokens in / out" value={`${compact.format(data.totals.inputTokens)} / ${compact.format(data.totals.outputTokens)}`} />
            <Stat label="Est. provider cost" value={usd(data.totals.estimatedCostUsd)} badge="estimate" hint="Your-key usage at list prices" />
          </div>

          <Card aria-labelledby="usage-chart-title">
            <CardHeader>
              <div>
                <CardTitle id="usage-chart-title">{METRICS.find((m) => m.value === metric)!.label} by {USAGE_GROUP_NAMES[data.groupBy].toLowerCase()}</CardTitle>
                <CardDescription>{data.from} to {data.to} (UTC), per {data.interval}.</CardDescription>
              </div>
              <Segmented legend="Show" name="usage-metric" value={metric} className="w-full sm:w-80" options={METRICS} onChange={setMetric} />
            </CardHeader>
            <div className="mt-4">
              {data.rows.length === 0 ? <EmptyState /> : <UsageChart data={chart!.points} series={chart!.series} format={format} />}
            </div>
            {data.unpricedModels.length ? (
              <p className="mt-3 text-xs text-muted-foreground">No list price for {data.unpricedModels.join(', ')}: not in the estimate.</p>
            ) : null}
          </Card>

          <Card aria-labelledby="usage-table-title" className="p-0 sm:p-0">
            <div className="flex items-center justify-between gap-3 p-4 sm:px-5">
              <CardTitle id="usage-table-title">Breakdown</CardTitle>
              <Button variant="secondary" size="sm" onClick={exportCsv} disabled={data.rows.length === 0}><Download aria-hidden />Export CSV</Button>
            </div>
            {data.rows.length === 0 ? null : (
              <Table label="Usage breakdown">
                <TableHeader>
                  <TableRow>
                    <TableHead>{data.interval === 'day' ? 'Day' : 'Month'}</TableHead>
                    <TableHead>{USAGE_GROUP_NAMES[data.groupBy]}</TableHead>
                    <TableHead className="text-right">Calls</TableHead>
                    <TableHead className="text-right">Runs</TableHead>
                    <TableHead className="text-right">Tokens in</TableHead>
                    <TableHead className="text-right">Tokens out</TableHead>
                    <TableHead className="text-right">Credits</TableHead>
                    <TableHead className="text-right">Est. cost</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {[...data.rows].reverse().map((r) => (
                    <TableRow key={`${r.period}|${r.group}`}>
                      <TableCell className="whitespace-nowrap tabular-nums">{r.period}</TableCell>
                      <TableCell className="max-w-64 truncate" title={r.label}>{r.label}</TableCell>
                      <TableCell className="text-right tabular-nums">{int.format(r.calls)}</TableCell>
                      <TableCell className="text-right tabular-nums">{int.format(r.runs)}</TableCell>
                      <TableCell className="text-right tabular-nums">{int.format(r.inputTokens)}</TableCell>
                      <TableCell className="text-right tabular-nums">{int.format(r.outputTokens)}</TableCell>
                      <TableCell className="text-right tabular-nums">{int.format(r.credits)}</TableCell>
                      <TableCell className="text-right tabular-nums">{r.estimatedCostUsd ? usd(r.estimatedCostUsd) : '–'}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </Card>
        </>
      )}
    </div>
  );
}

function Stat({ label, value, badge, hint }: { label: string; value: string; badge?: string; hint?: string }) {
  return (
    <div className="rounded-lg border border-border bg-background p-3 shadow-xs">
      <p className="flex items-center gap-1.5 text-xs text-muted-foreground">{label}{badge ? <Badge>{badge}</Badge> : null}</p>
      <p className="mt-1 text-xl font-semibold tabular-nums">{value}</p>
      {hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}

function EmptyState() {
  return (
    <div className="flex h-[260px] flex-col items-center justify-center gap-1 rounded-md border border-dashed border-border text-center">
      <p className="text-sm font-medium">No usage in this range</p>
      <p className="max-w-sm text-sm text-muted-foreground">Content Studio runs and gateway calls show here as they happen. Try a longer range.</p>
    </div>
  );
}

/** Rows → one point per period with a value per group; the largest groups get their own colour, the rest "Other". */
function chartData(r: UsageReport, metric: Metric): { points: ChartPoint[]; series: ChartSeries[] } {
  const totals = new Map<string, { label: string; total: number }>();
  for (const row of r.rows) {
    const t = totals.get(row.group) ?? { label: row.label, total: 0 };
    t.total += metricOf(row, metric);
    totals.set(row.group, t);
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1].total - a[1].total);
  const kept = new Set(ranked.slice(0, ranked.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES).map(([g]) => g));
  const series: ChartSeries[] = ranked.filter(([g]) => kept.has(g)).map(([g, t], i) => ({ key: `s${i}`, label: t.label, group: g })) as ChartSeries[];
  const keyOf = new Map((series as (ChartSeries & { group: string })[]).map((s) => [s.group, s.key]));
  if (ranked.length > kept.size) series.push({ key: 'other', label: 'Other' });
  // Every day (or month) of the range gets its bar slot, so quiet days show as gaps, not as missing days.
  const points = new Map<string, ChartPoint>();
  for (let d = dayNumber(r.from); d <= dayNumber(r.to); d++) {
    const day = dayString(new Date(d * 86_400_000));
    const period = r.interval === 'day' ? day : day.slice(0, 7);
    if (!points.has(period)) points.set(period, { period } as ChartPoint);
  }
  for (const row of r.rows) {
    const p = points.get(row.period) ?? ({ period: row.period } as ChartPoint);
    const k = keyOf.get(row.group) ?? 'other';
    p[k] = (Number(p[k] ?? 0) || 0) + metricOf(row, metric);
    points.set(row.period, p);
  }
  return { points: [...points.values()], series };
}
