// Bundles the server process (src/server/http/main.ts) into ES modules with esbuild; packages stay in
// node_modules. What main.ts imports on demand (the whole app, or a gateway process's routes alone) is a
// chunk of its own, so a gateway process loads none of the rest. `npm run build` runs it after `next build`.
//   node scripts/build-server.mjs          build .next/byok-server/main.mjs
//   node scripts/build-server.mjs --dev    build, run it, and rebuild and restart it when a server file
//                                          changes (pages reload through Next.js's own dev server)
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { context } from 'esbuild';

const OUTDIR = '.next/byok-server';
const OUTFILE = `${OUTDIR}/main.mjs`;
const dev = process.argv.includes('--dev');

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: { main: 'src/server/http/main.ts' },
  outdir: OUTDIR,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // `server-only` throws unless resolved with the react-server condition, which this process has no
  // other use for; here it is the marker's empty module (the pages keep Next.js's own check).
  alias: { 'server-only': './node_modules/server-only/empty.js' },
  sourcemap: true,
  logLevel: 'warning',
};

// Chunks are named by their content: the previous build's would otherwise pile up.
rmSync(OUTDIR, { recursive: true, force: true });

if (!dev) {
  const ctx = await context(options);
  await ctx.rebuild();
  await ctx.dispose();
} else {
  let child;
  const restart = () => {
    const start = () => {
      child = spawn(process.execPath, [OUTFILE], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'development' } });
    };
    if (!child || child.exitCode !== null) return start();
    child.once('exit', start);
    child.kill('SIGTERM');
  };
  const ctx = await context({
    ...options,
    plugins: [{ name: 'restart', setup: (build) => build.onEnd((result) => void (result.errors.length ? null : restart())) }],
  });
  await ctx.watch();
  const stop = () => {
    void ctx.dispose();
    if (child && child.exitCode === null) child.once('exit', () => process.exit(0)).kill('SIGTERM');
    else process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
