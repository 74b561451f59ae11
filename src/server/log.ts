// The application logger. Two layers keep secrets out of logs:
//  1. pino `redact` removes fields whose names say they hold a secret (any shape of value);
//  2. every serialized line is scrubbed of key-shaped strings (messages, stacks, URLs, nested causes),
//     because redact is path-based and never looks inside strings.
import 'server-only';
import pino, { type DestinationStream, type Logger } from 'pino';
import { logSettings } from '~/server/env';

const SECRET_FIELD_NAMES = [
  'apiKey', 'api_key', 'key', 'secret', 'password', 'token', 'authorization', 'cookie', 'set-cookie',
  'x-api-key', 'x-goog-api-key', 'plaintext', 'masterKey',
];

export const REDACT_PATHS = [
  ...SECRET_FIELD_NAMES.map((f) => (f.includes('-') ? `["${f}"]` : f)),
  ...SECRET_FIELD_NAMES.map((f) => (f.includes('-') ? `*["${f}"]` : `*.${f}`)),
  ...SECRET_FIELD_NAMES.map((f) => `*.*${f.includes('-') ? `["${f}"]` : `.${f}`}`),
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

// Provider key shapes (providers.md §2) plus bearer tokens and key= query parameters.
const KEY_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{6,}/g,
  /sk-[A-Za-z0-9_-]{12,}/g,
  /xai-[A-Za-z0-9_-]{12,}/g,
  /AIza[0-9A-Za-z_-]{12,}/g,
  /AQ\.[A-Za-z0-9_.-]{12,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /([?&](?:key|api_key|apiKey|token)=)[^&\s"'\\]+/gi,
  /\b[A-Za-z0-9]{32}\b/g, // Mistral-style keys: 32 alphanumerics (also scrubs look-alikes, on purpose)
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const re of KEY_PATTERNS) {
    out = out.replace(re, (match, prefix: unknown) =>
      typeof prefix === 'string' && prefix.endsWith('=') ? `${prefix}[REDACTED]` : '[REDACTED]',
    );
  }
  return out;
}

function scrubbingStream(target: DestinationStream): DestinationStream {
  return { write: (line: string) => target.write(scrubSecrets(line)) };
}

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const settings = logSettings();
  return pino(
    {
      level: opts.level ?? settings.level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: undefined,
      serializers: { err: pino.stdSerializers.err },
    },
    scrubbingStream(opts.destination ?? pino.destination({ dest: settings.file ?? 1, sync: true, mkdir: true })),
  );
}

export const log: Logger = createLogger();
