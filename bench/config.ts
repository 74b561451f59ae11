// The benchmark's flags and the constants every part of it shares (ports are free ones, picked at start).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { freePortsSync } from '../scripts/lib/free-port';

export const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    // While working on one figure: `--only reads` (generation, runs, gateway, reads, addkey, pages, usage), `--no-build`.
    only: { type: 'string' },
    // V8 flags for the server, to compare settings (e.g. "--max-semi-space-size=32"); they come after
    // those `npm start` sets, so they can override them. Recorded in the report.
    'server-node-options': { type: 'string', default: '' },
    'no-build': { type: 'boolean', default: false },
    // The server's stdout on the console (e.g. with --server-node-options=--trace-gc).
    'server-stdout': { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '15' },
  },
});
export const SECTIONS = ['generation', 'runs', 'gateway', 'reads', 'addkey', 'pages', 'usage'] as const;
export const only = new Set(args.only ? args.only.split(',') : SECTIONS);
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only takes ${SECTIONS.join(', ')}`);
export const PROFILE_DIR = 'bench-results/profile';
// The server runs as `npm start` runs it, with the same V8 flags, read from that script.
export const START_FLAGS = (() => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const flags = /\bnode((?: --[\w-]+(?:=\S+)?)*) \.next\/byok-server\/main\.mjs/.exec(start)?.[1];
  if (flags === undefined) throw new Error('npm start no longer runs `node … .next/byok-server/main.mjs`; update the benchmark');
  return flags.trim().split(' ').filter(Boolean);
})();
export const IDLE_SECONDS = Number(args['idle-seconds']);
export const QUICK = args.quick;
// Free ports, so a benchmark never collides with anything else listening here.
export const [PORT, FAKE_PORT, GATEWAY_PORT] = freePortsSync(3) as [number, number, number];
export const BASE = `http://127.0.0.1:${PORT}`;
export const WORKSPACES = QUICK ? 100 : 1000;
export const KEYS_PER_WS = 5;
export const MODELS_PER_KEY = 50;
export const PASSWORD = 'bench-password';
export const EMAIL = 'bench@bench.test';
