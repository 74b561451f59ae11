import 'server-only';
// One log line per REST request: method, path, status, duration and an allow-list of the body's known
// fields — secret fields only as set or cleared, unknown fields counted, never logged (a key sent under an
// unexpected name must not reach the log), and never the Authorization header.

/** What of a request body may be logged: plain fields (shortened), and secret fields as set or cleared. */
export type LoggedFields = { plain: readonly string[]; secret: readonly string[] };

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
