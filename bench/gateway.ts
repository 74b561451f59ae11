// The gateway's cost (issue 17), side by side with Portkey's open-source gateway in the same run: the
// same streamed chat completion sent straight to the fake provider, through our gateway (a runtime token,
// the workspace's own key) and through Portkey (the key in its headers, the same fake as its custom host).
// Time to first token added over the direct call, at concurrency 1 and open loop at 25, 50 and 100
// requests a second (timed from when each request was due), the server's CPU per request from /proc, and
// resident memory. Portkey sleeps 25 ms before its first chunk on purpose; its figure is also shown net of it.
// On PostgreSQL the gateway is measured twice: in the whole app's process (APP_ROLE=all, as one instance
// runs it) and in a gateway-only process (APP_ROLE=gateway, no Next.js loaded) on the same database.
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'undici';
import { freePortsSync } from '../scripts/lib/free-port';
import { cpuSplitMs, round, rssMB, sleep, stats, type Row } from './lib';

const PORTKEY_DIR = 'bench/portkey';
const PORTKEY_SLEEP_MS = 25;
const RATES = [25, 50, 100] as const;
const MARKER = '"content":"Scene'; // the first word of the fake's answer: the first token

type Target = 'direct' | 'gateway' | 'role' | 'portkey';
type Gateway = 'gateway' | 'role' | 'portkey';
type Sample = { ttft: number; ok: boolean };

export type GatewayBenchContext = {
  base: string;
  fakeUrl: string;
  serverPid: number;
  /** A gateway-only process (APP_ROLE=gateway) on the same database, when there is one. */
  gatewayRole: { base: string; pid: number } | null;
  quick: boolean;
  /** tRPC through the app with the bench owner's session. */
  trpc(path: string, input: unknown, method?: 'GET' | 'POST'): Promise<{ status: number; body: string }>;
  workspaceId: string;
};

function installPortkey(): void {
  if (existsSync(`${PORTKEY_DIR}/node_modules/@portkey-ai/gateway/build/start-server.js`)) return;
  console.log('  installing Portkey’s gateway into bench/portkey (its own lockfile)…');
  execSync('npm ci --no-audit --no-fund --ignore-scripts', { cwd: PORTKEY_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function startPortkey(): Promise<{ url: string; process: ChildProcess }> {
  installPortkey();
  const [port] = freePortsSync(1) as [number];
  const child = spawn(process.execPath, [`${PORTKEY_DIR}/node_modules/@portkey-ai/gateway/build/start-server.js`, `--port=${port}`, '--headless'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return { url, process: child };
    await sleep(250);
  }
  throw new Error('Portkey’s gateway did not start');
}

export async function gatewayOverhead(ctx: GatewayBenchContext) {
  // The workspace uses its own OpenAI key (probed against the fake) and a runtime token calls it.
  const key = `sk-proj-bench${Math.random().toString(36).slice(2)}${Date.now()}`;
  const set = await ctx.trpc('models.setAiConfig', { workspaceId: ctx.workspaceId, mode: 'byok', provider: 'openai', apiKey: key, model: 'gpt-4.1-mini' }, 'POST');
  if (set.status !== 200) throw new Error(`could not set the bench workspace to byok: ${set.status} ${set.body.slice(0, 200)}`);
  const created = await ctx.trpc('developers.createRuntimeToken', { workspaceId: ctx.workspaceId, label: 'bench' }, 'POST');
  const token = (JSON.parse(created.body) as { result: { data: { json: { token: string } } } }).result.data.json.token;

  const portkey = await startPortkey();
  const agents: Record<Target, Agent> = {
    direct: new Agent({ connections: 512 }), gateway: new Agent({ connections: 512 }), role: new Agent({ connections: 512 }), portkey: new Agent({ connections: 512 }),
  };
  const role = ctx.gatewayRole;
  const gateways: Gateway[] = role ? ['gateway', 'role', 'portkey'] : ['gateway', 'portkey'];
  const body = JSON.stringify({ model: 'gpt-4.1-mini', stream: true, messages: [{ role: 'user', content: 'bench' }] });
  const targets: Record<Target, { url: string; headers: Record<string, string> }> = {
    direct: { url: `${ctx.fakeUrl}/openai/v1/chat/completions`, headers: { authorization: `Bearer ${key}` } },
    gateway: { url: `${ctx.base}/api/gateway/openai/v1/chat/completions`, headers: { authorization: `Bearer ${token}` } },
    role: { url: `${role?.base}/api/gateway/openai/v1/chat/completions`, headers: { authorization: `Bearer ${token}` } },
    portkey: {
      url: `${portkey.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${key}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${ctx.fakeUrl}/openai/v1` },
    },
  };

  /** One streamed call; time to first token counted from `due` (open loop) or from its start. */
  async function once(target: Target, due = performance.now()): Promise<Sample> {
    const t = targets[target];
    try {
      const r = await request(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body, dispatcher: agents[target] });
      let ttft = NaN;
      let text = '';
      for await (const chunk of r.body) {
        if (Number.isNaN(ttft)) {
          text += chunk.toString();
          if (text.includes(MARKER)) ttft = performance.now() - due;
        }
      }
      return { ttft, ok: r.statusCode === 200 && !Number.isNaN(ttft) };
    } catch {
      return { ttft: NaN, ok: false };
    }
  }

  try {
    // Concurrency 1: each round sends the call three ways; what each gateway adds is the per-round difference.
    const rounds = ctx.quick ? 15 : 60;
    for (let i = 0; i < 5; i++) for (const t of ['direct', ...gateways] as const) await once(t); // warm-up
    const added: Record<Gateway, number[]> = { gateway: [], role: [], portkey: [] };
    for (let i = 0; i < rounds; i++) {
      const direct = await once('direct');
      for (const t of gateways) {
        const via = await once(t);
        if (direct.ok && via.ok) added[t].push(via.ttft - direct.ttft);
      }
    }
    const serial = { gateway: stats(added.gateway), role: role ? stats(added.role) : null, portkey: stats(added.portkey) };

    // Open loop: each rate for a few seconds per target (after an unmeasured second at the same rate).
    const seconds = ctx.quick ? 4 : 10;
    const load = async (target: Target, rps: number) => {
      const fire = async (n: number) => {
        const start = performance.now();
        const results: Promise<Sample>[] = [];
        for (let i = 0; i < n; i++) {
          const due = start + (i * 1000) / rps;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          results.push(once(target, due));
        }
        return Promise.all(results);
      };
      await fire(rps); // warm-up second
      const pid = target === 'gateway' ? ctx.serverPid : target === 'role' ? role!.pid : target === 'portkey' ? portkey.process.pid! : null;
      const cpuBefore = pid ? cpuSplitMs(pid) : null;
      const samples = await fire(rps * seconds);
      const cpuAfter = pid ? cpuSplitMs(pid) : null;
      const per = (k: 'user' | 'system') => (cpuBefore && cpuAfter ? (cpuAfter[k] - cpuBefore[k]) / samples.length : NaN);
      return {
        ttft: stats(samples.filter((s) => s.ok).map((s) => s.ttft), samples.filter((s) => !s.ok).length),
        cpuPerRequestMs: pid ? round(per('user') + per('system')) : null,
        userCpuPerRequestMs: pid ? round(per('user')) : null,
      };
    };
    type Load = Awaited<ReturnType<typeof load>>;
    const open: Record<number, Record<Exclude<Target, 'role'>, Load> & { role: Load | null }> = {};
    for (const rps of RATES) {
      open[rps] = { direct: await load('direct', rps), gateway: await load('gateway', rps), role: role ? await load('role', rps) : null, portkey: await load('portkey', rps) };
    }
    return {
      serial,
      open,
      portkeySleepMs: PORTKEY_SLEEP_MS,
      rssMB: { gateway: rssMB(ctx.serverPid), role: role ? rssMB(role.pid) : null, portkey: rssMB(portkey.process.pid!) },
    };
  } finally {
    portkey.process.kill('SIGTERM');
    await Promise.all(Object.values(agents).map((a) => a.close()));
  }
}

const ms = (x: number) => (Number.isFinite(x) ? String(round(x)) : '—');

export function gatewayRows(g: Awaited<ReturnType<typeof gatewayOverhead>>): Row[] {
  const rows: Row[] = [
    ['Gateway TTFT added, c=1 (p50/p99 ms)', `${ms(g.serial.gateway.p50)} / ${ms(g.serial.gateway.p99)}`, '—', null],
    ...(g.serial.role ? [['  gateway process (APP_ROLE=gateway), same run (p50/p99 ms)', `${ms(g.serial.role.p50)} / ${ms(g.serial.role.p99)}`, '—', null] as Row] : []),
    ['  Portkey, same run (p50/p99; net of its 25 ms sleep)', `${ms(g.serial.portkey.p50)} / ${ms(g.serial.portkey.p99)}; ${ms(g.serial.portkey.p50 - g.portkeySleepMs)} net`, '—', null],
  ];
  for (const rps of RATES) {
    const o = g.open[rps]!;
    const addedP50 = o.gateway.ttft.p50 - o.direct.ttft.p50;
    const addedP99 = o.gateway.ttft.p99 - o.direct.ttft.p99;
    const pkP50 = o.portkey.ttft.p50 - o.direct.ttft.p50;
    const pkP99 = o.portkey.ttft.p99 - o.direct.ttft.p99;
    const cpu = o.gateway.cpuPerRequestMs ?? NaN;
    const pkCpu = o.portkey.cpuPerRequestMs ?? NaN;
    const errors = o.gateway.ttft.errors + o.direct.ttft.errors;
    rows.push([
      `Gateway TTFT added at ${rps} req/s (p50/p99 ms, errors)`,
      `${ms(addedP50)} / ${ms(addedP99)} · ${errors}`,
      rps === 100 ? 'p50 ≤ 1, p99 ≤ 5, 0 errors' : '—',
      rps === 100 ? addedP50 <= 1 && addedP99 <= 5 && errors === 0 : null,
    ]);
    const r = o.role;
    if (r) {
      const roleErrors = r.ttft.errors + o.direct.ttft.errors;
      rows.push([
        `  gateway process at ${rps} req/s (p50/p99 ms, errors)`,
        `${ms(r.ttft.p50 - o.direct.ttft.p50)} / ${ms(r.ttft.p99 - o.direct.ttft.p99)} · ${roleErrors}`,
        '—',
        null,
      ]);
    }
    rows.push([`  Portkey at ${rps} req/s (p50/p99 ms; net p50; errors)`, `${ms(pkP50)} / ${ms(pkP99)}; ${ms(pkP50 - g.portkeySleepMs)} net · ${o.portkey.ttft.errors}`, '—', null]);
    rows.push([
      `  server CPU per request at ${rps} req/s: ours / Portkey's (ms)`,
      `${ms(cpu)} / ${ms(pkCpu)}`,
      rps === 100 ? '≤ 1 and ≤ ½ of Portkey' : '—',
      rps === 100 ? cpu <= 1 && cpu <= pkCpu / 2 : null,
    ]);
    // The kernel's share is mostly the sockets' writes and reads, one per streamed chunk each way, which
    // any proxy that passes a stream on as it arrives pays alike; user mode is the gateway's own code.
    rows.push([
      `    of which user mode (own code): ours / Portkey's (ms)`,
      `${ms(o.gateway.userCpuPerRequestMs ?? NaN)} / ${ms(o.portkey.userCpuPerRequestMs ?? NaN)}`,
      '—',
      null,
    ]);
    if (r) {
      const roleCpu = r.cpuPerRequestMs ?? NaN;
      rows.push([
        `  server CPU per request at ${rps} req/s: gateway process / Portkey's (ms)`,
        `${ms(roleCpu)} / ${ms(pkCpu)} (user ${ms(r.userCpuPerRequestMs ?? NaN)})`,
        rps === 100 ? '≤ 1 and ≤ ½ of Portkey' : '—',
        rps === 100 ? roleCpu <= 1 && roleCpu <= pkCpu / 2 : null,
      ]);
    }
  }
  rows.push(['Gateway RSS after load, ours / Portkey (MB)', `${g.rssMB.gateway} / ${g.rssMB.portkey}`, '≤ 300 (ours)', g.rssMB.gateway <= 300]);
  if (g.rssMB.role !== null) rows.push(['  gateway process RSS after load (MB)', String(g.rssMB.role), '—', null]);
  return rows;
}
