'use client';

import { useSyncExternalStore } from 'react';
import { formatWhen } from '~/lib/format';

// One clock for every <RelativeTime>: the current minute, re-read once a minute while any is on screen.
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
function subscribe(l: () => void) {
  listeners.add(l);
  timer ??= setInterval(() => listeners.forEach((x) => x()), 30_000);
  return () => {
    listeners.delete(l);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}
const currentMinute = () => Math.floor(Date.now() / 60_000) * 60_000;

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000], ['month', 30 * 86_400_000], ['week', 7 * 86_400_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000],
];

export function relative(date: Date, from: number): string {
  const diff = date.getTime() - from;
  if (Math.abs(diff) < 60_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  }
  return 'just now';
}

/**
 * "3 minutes ago", with the exact time on hover. The server (and the first render in the browser) shows
 * the exact UTC time, so both render the same; the relative text follows once the page is live.
 */
export function RelativeTime({ date, fallback = 'never' }: { date: Date | null; fallback?: string }) {
  const clock = useSyncExternalStore(subscribe, currentMinute, () => null);
  if (!date) return <>{fallback}</>;
  const exact = formatWhen(date);
  return (
    <time dateTime={date.toISOString()} title={exact}>
      {clock === null ? exact : relative(date, clock)}
    </time>
  );
}
