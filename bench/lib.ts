// What the benchmark's sections share: percentiles, open-loop load at a fixed rate, a process's CPU time
// and memory from /proc, streams timed to their first token.
import { readFileSync } from 'node:fs';

export type Stats = { n: number; errors: number; p50: number; p99: number; max: number };
export function stats(samples: number[], errors = 0): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! : NaN);
  return { n: s.length, errors, p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? NaN };
}
export const round = (x: number) => Math.round(x * 100) / 100;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fires at a fixed rate and times each request from when it was due, so a load generator that falls
 * behind cannot hide the delay (coordinated omission). Failures are counted by HTTP status.
 */
export async function fixedRate(rps: number, seconds: number, fire: (i: number) => Promise<number>, expected = 200) {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const total = rps * seconds;
  const fail = (why: string) => {
    failures[why] = (failures[why] ?? 0) + 1;
  };
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(
      fire(i).then(
        (status) => (status === expected ? void latencies.push(performance.now() - due) : fail(String(status))),
        () => fail('network'),
      ),
    );
  }
  await Promise.all(inflight);
  const errors = Object.values(failures).reduce((a, b) => a + b, 0);
  return { ...stats(latencies, errors), failures };
}

/** The server's CPU time so far (user and system), in ms; /proc counts it in clock ticks of 10 ms. */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

/** A process's CPU so far in user mode (its own code) and in the kernel (mostly its sockets' writes and reads), in ms. */
export function cpuSplitMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

/** Reads a streamed response to its end, noting when `marker` first appears (time to first token). */
export async function timeStream(r: Response, t0: number, marker: string) {
  let ttft = NaN;
  let text = '';
  const decoder = new TextDecoder();
  const reader = r.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (Number.isNaN(ttft) && text.includes(marker)) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0, text };
}


export function fmt(s: { p50: number; p99: number; max: number }) {
  return `${round(s.p50)} / ${round(s.p99)} / ${round(s.max)}`;
}

/** A line of the printed table: what, the figure, the target, and whether it is met (null: no target). */
export type Row = [string, string, string, boolean | null];
