import 'server-only';
// A known path asked with a method it does not take answers 405 with the methods it does, not 404.
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { sendError } from '~/server/http/errors';

const ALL: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function methodNotAllowed(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  const others = ALL.filter((m) => !allowed.includes(m) && !(m === 'HEAD' && allowed.includes('GET')));
  app.route({
    method: others,
    url,
    schema: { hide: true },
    handler: (_request, reply) => sendError(reply, 405, 'method_not_allowed', 'Method not allowed', { allow: allowed.join(', ') }),
  });
}
