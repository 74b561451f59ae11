// The server's HTTP layer on a real socket for a test file: Fastify's API (src/server/http/app.ts) with a
// stub for the pages, on a free loopback port.
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startApiServer(pages: RequestListener = (_req, res) => res.end('page')) {
  // Imported here, after the test file has set the environment it needs.
  const { createApp } = await import('~/server/http/app');
  const app = await createApp({ pages });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof import('~/server/http/app').createApp>>;

/** The API without a socket, for `inject`: the REST suites call their routes through it. */
export async function createTestApp(): Promise<TestApp> {
  const { createApp } = await import('~/server/http/app');
  const app = await createApp();
  await app.ready();
  return app;
}

export type RestCall = { method: string; url: string; token?: string; body?: unknown; raw?: string; contentType?: string };

/** One REST request as a script would send it; the JSON answer parsed. */
export async function callRest(app: TestApp, c: RestCall) {
  const headers: Record<string, string> = {};
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  const payload = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
  if (payload !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  const res = await app.inject({ method: c.method as 'GET', url: c.url, headers, payload });
  return { status: res.statusCode, headers: res.headers, text: res.body, json: (res.body && String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(res.body) : null) as Record<string, unknown> };
}
