// A local fake of the Google Secret Manager REST API (v1), as much of it as the master key source
// uses: access a version (or `latest`), add a version, list versions, disable a version. Errors use
// Google's JSON error shape and HTTP statuses; resource names in responses carry the project number,
// as the real service's do. Tests start it on a free loopback port and steer it directly; the browser
// tests' server runs on it (`FAKE_SECRET_MANAGER_PORT` in `npm run fake-providers`).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import CRC32C from 'crc-32/crc32c.js';

// The checksum is computed when a version is added, as the service stores it; changing `data` later
// makes it mismatch.
type Version = { data: Buffer; state: 'ENABLED' | 'DISABLED'; crc?: number };

export type FakeSecretManager = {
  url: string;
  /** `projects/<project>/secrets/<name>`, as the app is configured with it. */
  secret: string;
  /** Adds a version the way an operator's console would; returns its number. */
  seed(data: Buffer, opts?: { crc?: boolean }): number;
  versions: Map<number, Version>;
  /** Versions that answer 403 PERMISSION_DENIED ('all' for every call). */
  denied: Set<number | 'all'>;
  /** When set, requests are accepted and never answered. */
  hang: boolean;
  requests: { method: string; path: string; authorization: boolean }[];
  close(): Promise<void>;
};

const PROJECT_NUMBER = '480213572601';

function googleError(status: number, code: string, message: string) {
  return { status, body: { error: { code: status, message, status: code } } };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

export async function startFakeSecretManager(project = 'byok-test', name = 'master-key', port = 0): Promise<FakeSecretManager> {
  const versions = new Map<number, Version>();
  const denied = new Set<number | 'all'>();
  const requests: FakeSecretManager['requests'] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const fullName = (n: number) => `projects/${PROJECT_NUMBER}/secrets/${name}/versions/${n}`;
  const versionJson = (n: number, v: Version) => ({ name: fullName(n), state: v.state, createTime: '2026-11-01T00:00:00Z' });
  const prefix = `/v1/projects/${project}/secrets/${name}`;

  const fake: FakeSecretManager = {
    url: '',
    secret: `projects/${project}/secrets/${name}`,
    versions,
    denied,
    hang: false,
    requests,
    seed(data, opts = {}) {
      const n = versions.size + 1;
      versions.set(n, { data: Buffer.from(data), state: 'ENABLED', crc: opts.crc === false ? undefined : CRC32C.buf(data) >>> 0 });
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (!path.startsWith(prefix)) return googleError(404, 'NOT_FOUND', 'Secret not found or has no versions.');
    const rest = path.slice(prefix.length);
    const versionOf = (raw: string) => (raw === 'latest' ? Math.max(0, ...[...versions].filter(([, v]) => v.state === 'ENABLED').map(([n]) => n)) : Number(raw));
    const deny = (n: number) =>
      denied.has('all') || denied.has(n)
        ? googleError(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.access' denied for resource '${fullName(n)}' (or it may not exist).`)
        : undefined;

    let m = /^\/versions\/([0-9]+|latest):access$/.exec(rest);
    if (m && req.method === 'GET') {
      const n = versionOf(m[1]!);
      const refused = deny(n);
      if (refused) return refused;
      const v = versions.get(n);
      if (!v) return googleError(404, 'NOT_FOUND', `Secret Version [${fullName(n)}] not found.`);
      if (v.state !== 'ENABLED') return googleError(400, 'FAILED_PRECONDITION', `${fullName(n)} is in DISABLED state.`);
      return {
        status: 200,
        body: { name: fullName(n), payload: { data: v.data.toString('base64'), ...(v.crc !== undefined && { dataCrc32c: String(v.crc) }) } },
      };
    }
    if (rest === ':addVersion' && req.method === 'POST') {
      if (denied.has('all')) return googleError(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.add' denied.`);
      const payload = ((await body(req)) as { payload?: { data?: string; dataCrc32c?: string } }).payload;
      const data = Buffer.from(payload?.data ?? '', 'base64');
      if (payload?.dataCrc32c !== undefined && payload.dataCrc32c !== String(CRC32C.buf(data) >>> 0)) {
        return googleError(400, 'INVALID_ARGUMENT', 'Checksum mismatch.');
      }
      const n = fake.seed(data);
      return { status: 200, body: versionJson(n, versions.get(n)!) };
    }
    if (rest === '/versions' && req.method === 'GET') {
      if (denied.has('all')) return googleError(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.list' denied.`);
      const list = [...versions].sort(([a], [b]) => b - a).map(([n, v]) => versionJson(n, v));
      return { status: 200, body: { versions: list, totalSize: list.length } };
    }
    m = /^\/versions\/([0-9]+):disable$/.exec(rest);
    if (m && req.method === 'POST') {
      const n = Number(m[1]);
      if (denied.has('all')) return googleError(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.disable' denied.`);
      const v = versions.get(n);
      if (!v) return googleError(404, 'NOT_FOUND', `Secret Version [${fullName(n)}] not found.`);
      v.state = 'DISABLED';
      return { status: 200, body: versionJson(n, v) };
    }
    return googleError(404, 'NOT_FOUND', 'Not found.');
  }

  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://fake').pathname, authorization: !!req.headers.authorization });
    if (fake.hang) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    answer(req).then(
      ({ status, body: out }) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(out));
      },
      () => {
        res.writeHead(400, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.').body));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
