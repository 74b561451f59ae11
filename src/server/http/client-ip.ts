import 'server-only';
// The client's address: the connecting socket, or — only when TRUSTED_PROXIES names the proxies in front
// of the app — the nearest address in X-Forwarded-For that is not one of them. A client's own
// X-Forwarded-For is never believed otherwise, so it cannot choose its rate-limit bucket.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { serverEnv } from '~/server/env';

let trust: ReturnType<typeof proxyaddr.compile> | undefined;

export function clientIp(req: IncomingMessage): string | null {
  trust ??= proxyaddr.compile(serverEnv().TRUSTED_PROXIES ?? []);
  try {
    return proxyaddr(req, trust) || null;
  } catch {
    return req.socket.remoteAddress ?? null;
  }
}
