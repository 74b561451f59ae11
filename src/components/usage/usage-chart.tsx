'use client';
// The usage chart: stacked bars per day or month, one colour per group. Its own module so recharts is
// loaded only by the Usage page (usage-panel.tsx imports it with next/dynamic, on the client only).
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export type ChartSeries = { key: string; label: string };
export type ChartPoint = { period: string } & Record<string, number | string>;

// Distinct on screen and for common colour blindness (Okabe–Ito, with the brand indigo first).
const COLORS = ['#4f46e5', '#e69f00', '#009e73', '#cc79a7', '#0072b2', '#d55e00', '#a1a1aa'];

export function UsageChart({ data, series, format }: { data: ChartPoint[]; series: ChartSeries[]; format: (n: number) => string }) {
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid vertical={false} stroke="#e4e4e7" />
        <XAxis dataKey="period" tickLine={false} axisLine={false} fontSize={12} stroke="#63636b" minTickGap={16} />
        <YAxis tickLine={false} axisLine={false} fontSize={12} stroke="#63636b" width={64} tickFormatter={(v: number) => format(v)} />
        <Tooltip
          cursor={{ fill: '#f4f4f5' }}
          formatter={(value, name) => [format(Number(value)), series.find((s) => s.key === name)?.label ?? String(name)]}
          contentStyle={{ borderRadius: 8, borderColor: '#e4e4e7', fontSize: 12 }}
        />
        <Legend formatter={(key: string) => series.find((s) => s.key === key)?.label ?? key} iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
        {series.map((s, i) => (
          <Bar key={s.key} dataKey={s.key} stackId="usage" fill={COLORS[i % COLORS.length]} isAnimationActive={false} maxBarSize={48} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
