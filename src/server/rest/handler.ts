// Thin REST route handlers over the same services as the tRPC routers: bearer-token auth, JSON in and
// out, one error mapping (src/server/errors.ts), `no-store`, and one request log line per call with the
// Authorization header and any api_key field redacted (they are never even read into the log).
import type { z } from 'zod';
import type { Db } from '~/server/db/connect';
import { AppError, correlationId, toRestError } from '~/server/errors';
import { NO_STORE } from '~/server/http/guards';
import { log } from '~/server/log';
import { authenticateToken } from '~/server/services/tokens';

export type RestUser = { id: string; name: string; email: string };

type Ctx<P> = { db: Db; user: RestUser; params: P; ref: string };

const MAX_BODY_BYTES = 16 * 1024;

function redactedBodySummary(body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body).slice(0, 10)) {
    if (/key|token|secret|password|authorization/i.test(k)) out[k] = v === null ? null : '[REDACTED]';
    else out[k] = typeof v === 'string' ? v.slice(0, 80) : typeof v;
  }
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

export function restHandler<P>(
  getDb: () => Db,
  fn: (req: Request, ctx: Ctx<P>) => Promise<unknown>,
): (req: Request, params: P) => Promise<Response> {
  return async (req, params) => {
    const started = performance.now();
    const ref = correlationId();
    let status = 500;
    let body: unknown;
    let logBody: Record<string, unknown> | undefined;
    try {
      const auth = req.headers.get('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(auth);
      const db = getDb();
      const user = match ? await authenticateToken(db, match[1]!) : null;
      if (!user) throw new AppError('UNAUTHORIZED', 'Send a valid personal access token as "Authorization: Bearer <token>".', 'unauthorized');
      const reqForBody = req.clone();
      body = await fn(req, { db, user, params, ref });
      logBody = req.method === 'GET' ? undefined : redactedBodySummary(await reqForBody.json().catch(() => undefined));
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
