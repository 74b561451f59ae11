import 'server-only';
// The API's one error path: anything a route throws, and Fastify's own refusals (bad URL, body too large,
// malformed JSON, a schema that does not validate), answer `{"error": {"code", "message"}}` with the
// status the app's error table gives (src/server/errors.ts). Messages never repeat what was sent.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { correlationId, toRestError } from '~/server/errors';
import { log } from '~/server/log';

export function sendError(reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).type('application/json').send({ error: { code, message } });
}

// Fastify's own refusals, by its error codes; their messages may quote the request, ours never do.
const FRAMEWORK: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The request is too large.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'The Content-Length does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'The body is empty.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send JSON (application/json).'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The body is not valid JSON.'],
  FST_ERR_BAD_URL: [404, 'not_found', 'Not found'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'The address is too long.'],
};

/** The first zod issue as `path: message` (zod 4 issues never carry the rejected value). */
function validationMessage(err: FastifyError): string {
  const issue = err.validation?.[0] as { instancePath?: string; message?: string; params?: { issue?: { path?: PropertyKey[]; message?: string } } } | undefined;
  const zodIssue = issue?.params?.issue;
  const path = zodIssue?.path?.map(String).join('.') || issue?.instancePath?.replace(/^\//, '').replace(/\//g, '.') || '';
  const message = zodIssue?.message ?? issue?.message ?? 'invalid';
  return path ? `${path}: ${message}` : message;
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) return sendError(reply, 400, 'invalid_request', validationMessage(err));
  const known = err.code ? FRAMEWORK[err.code] : undefined;
  if (known) {
    // A body too large is not read to its end: the connection closes rather than wait for the rest.
    return sendError(reply, known[0], known[1], known[2], known[0] === 413 ? { connection: 'close' } : {});
  }
  const ref = correlationId();
  const mapped = toRestError(err, ref);
  if (mapped.status === 500) {
    // Type and stack only (both pass through the scrubbing logger); never the request.
    log.error({ ref, err, path: request.routeOptions.url }, 'API request failed');
  }
  const retry = mapped.body.error.details?.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(Math.ceil(retry)));
  return reply.code(mapped.status).type('application/json').send(mapped.body);
}

export function handleNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, 'not_found', 'Not found');
}
