// Free TCP ports on loopback, for test servers that must not depend on a fixed port something else may hold.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A port the kernel just handed out (asynchronously). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The same, synchronously (for config files that are evaluated synchronously, such as Playwright's):
 * `count` distinct ports from a short child process.
 */
export function freePortsSync(count: number): number[] {
  const script = `
    const net = require('node:net');
    const servers = [];
    let left = ${Number(count)};
    const ports = [];
    for (let i = 0; i < ${Number(count)}; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, '127.0.0.1', () => {
        ports.push(s.address().port);
        if (--left === 0) { process.stdout.write(ports.join(',')); servers.forEach((x) => x.close()); }
      });
    }`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).split(',').map(Number);
}
