import 'server-only';
// Thin REST route handlers over the same services as the tRPC routers: bearer-token auth, JSON in and
// out, one error mapping (src/server/errors.ts), `no-store`, and one request log line per call. The log
// line holds an allow-list of each route's known fields: secret fields only as set/cleared, unknown fields
// not at all (a key sent under an unexpected name must not reach the log), and never the Authorization
// header.
import type { z } from 'zod';
import type { Actor } from '~/server/actor';
import type { Db } from '~/server/db/connect';
import { AppError, correlationId, toRestError } from '~/server/errors';
import { NO_STORE } from '~/server/http/guards';
import { log } from '~/server/log';
import { authenticateToken } from '~/server/services/tokens';

type Ctx<P> = { db: Db; actor: Actor; params: P; ref: string };

/** What of a request body may be logged: plain fields (shortened), and secret fields as set or cleared. */
export type LoggedFields = { plain: readonly string[]; secret: readonly string[] };

const MAX_BODY_BYTES = 16 * 1024;

export function loggedBody(body: unknown, fields: LoggedFields): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const source = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of fields.plain) {
    if (!(k in source)) continue;
    const v = source[k];
    out[k] = typeof v === 'string' ? v.slice(0, 80) : v === null || typeof v === 'number' || typeof v === 'boolean' ? v : typeof v;
  }
  for (const k of fields.secret) if (k in source) out[k] = source[k] === null ? null : '[REDACTED]';
  const unknown = Object.keys(source).filter((k) => !fields.plain.includes(k) && !fields.secret.includes(k)).length;
  if (unknown) out.unknownFields = unknown;
  return out;
}

export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError('BAD_REQUEST', 'Send a JSON body with Content-Type: application/json.', 'invalid_content_type');
  }
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) throw new AppError('BAD_REQUEST', 'The body is too large.', 'body_too_large');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'The body is not valid JSON.', 'invalid_json'); // never the parser's text: it quotes input
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('BAD_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, 'invalid_request');
  }
  return parsed.data;
}

/** Where the request came from, as the HTTP layer saw it. */
export type RequestMeta = { clientIp?: string | null };

export function restHandler<P>(
  getDb: () => Db,
  fn: (req: Request, ctx: Ctx<P>) => Promise<unknown>,
  logFields: LoggedFields = { plain: [], secret: [] },
): (req: Request, params: P, meta?: RequestMeta) => Promise<Response> {
  return async (req, params, meta = {}) => {
    const started = performance.now();
    const ref = correlationId();
    let status = 500;
    let body: unknown;
    let logBody: Record<string, unknown> | undefined;
    try {
      const auth = req.headers.get('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(auth);
      const db = getDb();
      const token = match ? await authenticateToken(db, match[1]!) : null;
      if (!token) throw new AppError('UNAUTHORIZED', 'Send a valid personal access token as "Authorization: Bearer <token>".', 'unauthorized');
      const actor: Actor = { ...token.user, clientIp: meta.clientIp ?? null, tokenPrefix: token.prefix, sessionId: null };
      const reqForBody = req.method === 'GET' ? null : req.clone();
      try {
        body = await fn(req, { db, actor, params, ref });
      } finally {
        logBody = reqForBody ? loggedBody(await reqForBody.json().catch(() => undefined), logFields) : undefined;
      }
      status = 200;
    } catch (e) {
      const mapped = toRestError(e, ref);
      status = mapped.status;
      body = mapped.body;
      if (status === 500) log.error({ ref, err: e }, 'REST request failed');
    }
    log.info(
      { ref, method: req.method, path: new URL(req.url).pathname, status, ms: Math.round(performance.now() - started), body: logBody },
      'rest request',
    );
    const headers: Record<string, string> = { 'cache-control': NO_STORE };
    const retry = (body as { error?: { details?: { retryAfterSeconds?: unknown } } })?.error?.details?.retryAfterSeconds;
    if (typeof retry === 'number') headers['retry-after'] = String(Math.ceil(retry));
    return Response.json(body, { status, headers });
  };
}
