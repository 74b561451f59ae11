// The Content Studio's run path through the app (queue a run over tRPC, follow its events over SSE),
// beside the same stream straight from the fake provider.
import { BASE, QUICK } from './config';
import { cpuMs, fmt, type Row, round, sleep, stats, timeStream } from './lib';

/**
 * A run through the app as the Studio makes it: queue it (tRPC), then follow its events (SSE); time to
 * the first script delta and to the `finished` event.
 */
async function streamThroughApp(cookie: string, workspaceId: string, keyId: string) {
  const t0 = performance.now();
  const started = await fetch(`${BASE}/api/trpc/generation.start`, {
    method: 'POST',
    headers: { cookie, origin: BASE, 'content-type': 'application/json' },
    body: JSON.stringify({ json: { workspaceId, prompt: 'bench', choice: { source: 'byok', keyId, modelId: 'claude-haiku-4-5-20251001' }, imageCount: 0 } }),
  });
  const body = (await started.json()) as { result?: { data?: { json?: { runId?: string } } } };
  const runId = body.result?.data?.json?.runId;
  if (!started.ok || !runId) return { ttft: NaN, total: NaN, ok: false };
  const r = await fetch(`${BASE}/api/workspaces/${workspaceId}/runs/${runId}/events`, { headers: { cookie } });
  const { ttft, total, text } = await timeStream(r, t0, '"type":"delta"');
  return { ttft, total, ok: r.ok && text.includes('"status":"succeeded"') };
}

/** The same request sent straight to the fake provider. */
async function streamDirect(baseUrl: string, key: string) {
  const t0 = performance.now();
  const r = await fetch(`${baseUrl}/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5-20251001', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'bench' }] }),
  });
  const { ttft, total, text } = await timeStream(r, t0, 'text_delta');
  return { ttft, total, ok: r.ok && text.includes('message_stop') };
}

type Pair = { app: { ttft: number[]; total: number[]; errors: number }; direct: { ttft: number[]; total: number[]; errors: number } };
const newPair = (): Pair => ({ app: { ttft: [], total: [], errors: 0 }, direct: { ttft: [], total: [], errors: 0 } });
function add(side: Pair['app'], r: { ttft: number; total: number; ok: boolean }) {
  if (!r.ok) side.errors++;
  else {
    side.ttft.push(r.ttft);
    side.total.push(r.total);
  }
}

// Stream pacing of the fake provider. Short streams for the per-request figures (concurrency 1 and the
// burst); for the steady load, the fakes' default pacing, like a fast model (about one second a stream),
// so that 50 concurrent streams are about 48 runs a second rather than a rate no real workload makes.
export const SHORT_STREAMS = { firstByteMs: 50, chunkIntervalMs: 2, chunks: 20 };
export const MODEL_LIKE_STREAMS = { firstByteMs: 50, chunkIntervalMs: 40, chunks: 24 };

async function setPacing(fakeUrl: string, pacing: typeof SHORT_STREAMS) {
  const r = await fetch(`${fakeUrl}/__fake/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pacing) });
  if (!r.ok) throw new Error(`the fake providers refused the pacing: ${r.status}`);
}

type StreamResult = { ttft: number; total: number; ok: boolean };

/**
 * `concurrency` clients, each starting its next stream as soon as the last one ends (so that many are
 * always open), started evenly over `staggerMs` so the load is steady rather than a burst. Streams
 * started during the warm-up are not recorded.
 */
async function steadyStreams(concurrency: number, seconds: number, staggerMs: number, stream: () => Promise<StreamResult>) {
  const side: Pair['app'] = { ttft: [], total: [], errors: 0 };
  let runs = 0;
  const warmEnd = performance.now() + staggerMs + 2000;
  const end = warmEnd + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const begun = performance.now();
      const r = await stream().catch(() => ({ ttft: NaN, total: NaN, ok: false }));
      runs++;
      if (begun >= warmEnd && begun < end) add(side, r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => sleep((i * staggerMs) / concurrency).then(client)));
  return { ...side, runs, runsPerSecond: round((side.ttft.length + side.errors) / seconds) };
}

export async function generationOverhead(cookie: string, workspaceId: string, keyId: string, key: string, anthropicBase: string, fakeUrl: string, serverPid: number) {
  await setPacing(fakeUrl, SHORT_STREAMS);
  const serial = newPair();
  // Concurrency 1: each round sends the request directly and then through the app; the added time is
  // the per-round difference, so a slow moment of the machine hits both sides of one sample.
  const added = { ttft: [] as number[], total: [] as number[] };
  const rounds = QUICK ? 10 : 40;
  for (let i = 0; i < 3; i++) await streamThroughApp(cookie, workspaceId, keyId); // warm-up
  for (let i = 0; i < rounds; i++) {
    const d = await streamDirect(anthropicBase, key);
    const a = await streamThroughApp(cookie, workspaceId, keyId);
    add(serial.direct, d);
    add(serial.app, a);
    if (d.ok && a.ok) {
      added.ttft.push(a.ttft - d.ttft);
      added.total.push(a.total - d.total);
    }
  }
  // A burst: a wave of 50 streams started at once, direct, then through the app; the added time is the
  // difference of the two distributions' percentiles (the app's 50 starts queue on its thread).
  const loaded = newPair();
  const waves = QUICK ? 2 : 5;
  for (let w = 0; w < waves; w++) {
    const direct = await Promise.all(Array.from({ length: 50 }, () => streamDirect(anthropicBase, key)));
    direct.forEach((r) => add(loaded.direct, r));
    const app = await Promise.all(Array.from({ length: 50 }, () => streamThroughApp(cookie, workspaceId, keyId)));
    app.forEach((r) => add(loaded.app, r));
  }
  const sides = (p: Pair, f: 'ttft' | 'total') => ({ app: stats(p.app[f], p.app.errors), direct: stats(p.direct[f], p.direct.errors) });
  const paired = (f: 'ttft' | 'total') => {
    const s = stats(added[f]);
    return { ...sides(serial, f), added: { p50: round(s.p50), p99: round(s.p99), max: round(s.max) } };
  };
  const diff = (p: Pair, f: 'ttft' | 'total') => {
    const { app: a, direct: d } = sides(p, f);
    return { app: a, direct: d, added: { p50: round(a.p50 - d.p50), p99: round(a.p99 - d.p99), max: round(a.max - d.max) } };
  };
  // Steady: 50 streams always open, direct and then through the app, compared the same way.
  await setPacing(fakeUrl, MODEL_LIKE_STREAMS);
  const streamMs = MODEL_LIKE_STREAMS.firstByteMs + MODEL_LIKE_STREAMS.chunks * MODEL_LIKE_STREAMS.chunkIntervalMs;
  const seconds = QUICK ? 6 : 20;
  const steadyDirect = await steadyStreams(50, seconds, streamMs, () => streamDirect(anthropicBase, key));
  // The server's CPU per run under that load: steadier from one machine to another than the latencies.
  const cpuBefore = cpuMs(serverPid);
  const steadyApp = await steadyStreams(50, seconds, streamMs, () => streamThroughApp(cookie, workspaceId, keyId));
  const cpuPerRunMs = round((cpuMs(serverPid) - cpuBefore) / steadyApp.runs);
  await setPacing(fakeUrl, SHORT_STREAMS);
  const steady: Pair = { app: steadyApp, direct: steadyDirect };
  return {
    concurrency1: { ttft: paired('ttft'), total: paired('total') },
    concurrency50: { ttft: diff(loaded, 'ttft'), total: diff(loaded, 'total') },
    steady50: { pacing: MODEL_LIKE_STREAMS, cpuPerRunMs, runsPerSecond: { app: steadyApp.runsPerSecond, direct: steadyDirect.runsPerSecond }, ttft: diff(steady, 'ttft'), total: diff(steady, 'total') },
  };
}

/**
 * The Studio run path open-loop (issue 18): runs started at a fixed rate whatever the answers, for 10, 25
 * and 50 runs a second; the time to the first script delta beside the provider's own (measured direct at
 * the same pacing), and the server's CPU per run (web and worker are one process here) from /proc.
 */
export async function openLoopRuns(cookie: string, workspaceId: string, keyId: string, key: string, anthropicBase: string, fakeUrl: string, serverPid: number) {
  await setPacing(fakeUrl, SHORT_STREAMS);
  const seconds = QUICK ? 4 : 10;
  const direct: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 30); i++) {
    const d = await streamDirect(anthropicBase, key);
    if (d.ok) direct.push(d.ttft);
  }
  const directP50 = stats(direct).p50;
  const openLoop = async (rate: number, runs: number) => {
    const results: StreamResult[] = [];
    const t0 = performance.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < runs; i++) {
      const at = t0 + (i * 1000) / rate;
      await sleep(Math.max(0, at - performance.now()));
      all.push(streamThroughApp(cookie, workspaceId, keyId).catch(() => ({ ttft: NaN, total: NaN, ok: false })).then((r) => void results.push(r)));
    }
    await Promise.all(all);
    return results;
  };
  // Not recorded: the first runs compile the path (a cold process's first runs cost several times more than later ones).
  await openLoop(25, 150);
  await sleep(1000);
  // What the idle server spends (timers, polls, the queue's upkeep), beside the per-run figures that include it.
  const idleBefore = cpuMs(serverPid);
  await sleep(3000);
  const idleCpuMsPerSecond = round((cpuMs(serverPid) - idleBefore) / 3);
  type Rate = { runs: number; errors: number; ttftAdded: { p50: number; p99: number }; cpuPerRunMs: number };
  const rates: Record<number, Rate> = {};
  for (const rate of [10, 25, 50]) {
    const cpuBefore = cpuMs(serverPid);
    const results = await openLoop(rate, rate * seconds);
    const cpuPerRunMs = round((cpuMs(serverPid) - cpuBefore) / results.length);
    const ok = results.filter((r) => r.ok);
    const t = stats(ok.map((r) => r.ttft), results.length - ok.length);
    rates[rate] = { runs: results.length, errors: results.length - ok.length, ttftAdded: { p50: round(t.p50 - directP50), p99: round(t.p99 - directP50) }, cpuPerRunMs };
    await sleep(1000);
  }
  return { directTtftP50: round(directP50), idleCpuMsPerSecond, rates };
}

export function generationRows(g: Awaited<ReturnType<typeof generationOverhead>>): Row[] {
  const within = (a: { p50: number; p99: number }) => a.p50 <= 2 && a.p99 <= 10;
  const { steady50: s, concurrency50: burst } = g;
  return [
    ['Generation TTFT added, c=1 (p50/p99/max ms)', fmt(g.concurrency1.ttft.added), '—', null],
    ['Generation total added, c=1 (p50/p99/max ms)', fmt(g.concurrency1.total.added), '—', null],
    ['Generation TTFT added, 50 steady (p50/p99/max ms)', fmt(s.ttft.added), 'p50 ≤ 2, p99 ≤ 10, 0 errors', within(s.ttft.added) && s.ttft.app.errors === 0],
    ['Generation total added, 50 steady (p50/p99/max ms)', fmt(s.total.added), 'p50 ≤ 2, p99 ≤ 10', within(s.total.added)],
    ['  runs/s app/direct, errors app/direct, 50 steady', `${s.runsPerSecond.app}/${s.runsPerSecond.direct}, ${s.ttft.app.errors}/${s.ttft.direct.errors}`, '0 errors', s.ttft.app.errors === 0],
    ['  server CPU per run, 50 steady (ms)', String(s.cpuPerRunMs), '—', null],
    ['Generation TTFT added, burst of 50 (p50/p99/max ms)', fmt(burst.ttft.added), 'p50 ≤ 2, p99 ≤ 10, 0 errors', within(burst.ttft.added) && burst.ttft.app.errors === 0],
    ['Generation total added, burst of 50 (p50/p99/max ms)', fmt(burst.total.added), 'p50 ≤ 2, p99 ≤ 10', within(burst.total.added)],
    ['  errors app/direct, burst of 50', `${burst.total.app.errors}/${burst.total.direct.errors}`, '0', burst.total.app.errors === 0],
  ];
}

/** Issue 18's targets for the run path: at 25 runs a second, TTFT added p50 ≤ 10 and p99 ≤ 30 ms, CPU ≤ 6 ms a run. */
export function runsRows(r: Awaited<ReturnType<typeof openLoopRuns>>): Row[] {
  const idle: Row = ['  server CPU while idle (ms per second, included above)', String(r.idleCpuMsPerSecond), '—', null];
  return [idle, ...[10, 25, 50].flatMap((rate): Row[] => {
    const x = r.rates[rate];
    if (!x) return [];
    const targeted = rate === 25;
    return [
      [`Studio run TTFT added, open loop ${rate}/s (p50/p99 ms, errors)`, `${x.ttftAdded.p50} / ${x.ttftAdded.p99} · ${x.errors}`, targeted ? 'p50 ≤ 10, p99 ≤ 30' : '—', targeted ? x.ttftAdded.p50 <= 10 && x.ttftAdded.p99 <= 30 && x.errors === 0 : null],
      [`  server CPU per run, ${rate}/s (ms)`, String(x.cpuPerRunMs), targeted ? '≤ 6' : '—', targeted ? x.cpuPerRunMs <= 6 : null],
    ];
  })];
}
