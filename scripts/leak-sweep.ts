// After the browser tests: search everything the app and the browser emitted for the canary keys they
// used — the server log, every recorded HTTP response (bodies and headers, pages and RSC payloads
// included), every browser console message and page error, browser storage, Playwright traces and
// reports, and a dump of the e2e database outside the ciphertext columns — in raw, base64, base64url,
// hex and URL-encoded form and as any 12-character piece. Any hit fails and says where it was found.
// Run event streams (SSE) are swept at their source: every event any stream sent is a run_event row, and
// the job queue's own tables (schema pgboss) are dumped too.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '~/server/db/connect';

/**
 * The base64 text that any encoding of `secret` contains, whatever precedes it: base64 works in 3-byte
 * groups, so the canary's bytes can start at any of three offsets; the characters that depend only on
 * its own bytes are the same for every prefix with that offset.
 */
function base64Cores(secret: string, alphabet: 'base64' | 'base64url'): string[] {
  const bytes = Buffer.from(secret);
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet).replace(/=+$/, '');
    const start = offset === 0 ? 0 : 4; // the first group mixes in the unknown prefix
    return encoded.slice(start, encoded.length - 4); // the last group may mix in what follows
  });
}

export function canaryForms(secret: string): string[] {
  const forms = new Set([
    secret,
    ...base64Cores(secret, 'base64'),
    ...base64Cores(secret, 'base64url'),
    Buffer.from(secret).toString('hex'),
    encodeURIComponent(secret),
  ]);
  for (let i = 0; i + 12 <= secret.length; i++) forms.add(secret.slice(i, i + 12));
  return [...forms];
}

export type Hit = { where: string; form: string };

export function sweepText(where: string, text: string, secrets: string[]): Hit[] {
  const hits: Hit[] = [];
  for (const secret of secrets) {
    for (const form of canaryForms(secret)) {
      if (text.includes(form)) {
        hits.push({ where, form });
        break;
      }
    }
  }
  return hits;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function fileText(path: string): string {
  if (path.endsWith('.zip')) {
    // Playwright traces: search every entry.
    try {
      return execFileSync('unzip', ['-p', path], { maxBuffer: 512 * 1024 * 1024 }).toString('latin1');
    } catch {
      return readFileSync(path).toString('latin1');
    }
  }
  return readFileSync(path).toString('latin1');
}

async function databaseText(dataDir: string): Promise<string> {
  const opened = openDatabase({ kind: 'pglite', dataDir });
  try {
    const tables = await opened.db.$queryRawUnsafe<{ table_schema: string; table_name: string }[]>(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`,
    );
    const parts: string[] = [];
    if (!tables.some((t) => t.table_name === 'run_event')) throw new Error('the run_event table is missing: the sweep would miss the event streams');
    for (const { table_schema, table_name } of tables) {
      if (table_schema === 'pgboss') {
        // pg-boss's tables hold types the ORM cannot read (interval); their rows are read as JSON text.
        for (const { j } of await opened.db.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM "pgboss"."${table_name}" t`)) {
          parts.push(`pgboss.${table_name}=${j}`);
        }
        continue;
      }
      for (const row of await opened.db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table_schema}"."${table_name}"`)) {
        for (const [col, v] of Object.entries(row)) {
          if (col === 'ciphertext' || col === 'wrappedKey' || col === 'wrappedDek') continue;
          parts.push(`${table_name}.${col}=${v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v)}`);
        }
      }
    }
    return parts.join('\n');
  } finally {
    await opened.close();
  }
}

async function main() {
  const root = '.data-e2e';
  const canaryFile = join(root, 'record', 'canaries.txt');
  if (!existsSync(canaryFile)) {
    console.error('Leak sweep: no canaries were recorded (did the browser tests run?).');
    process.exit(1);
  }
  const secrets = [...new Set(readFileSync(canaryFile, 'utf8').split('\n').filter(Boolean))];
  // The browser's console and page errors are a source too; a run that recorded none is not swept.
  if (!existsSync(join(root, 'record', 'console.log'))) {
    console.error('Leak sweep: no browser console was recorded (e2e/test.ts records it).');
    process.exit(1);
  }
  const sources = [
    join(root, 'server.log'),
    join(root, 'server.out'),
    ...filesUnder(join(root, 'record')).filter((f) => !f.endsWith('canaries.txt')),
    ...filesUnder('test-results'),
    ...filesUnder('playwright-report'),
  ].filter((f) => existsSync(f));
  const hits: Hit[] = [];
  let bytes = 0;
  for (const file of sources) {
    const text = fileText(file);
    bytes += text.length;
    hits.push(...sweepText(file, text, secrets));
  }
  const db = await databaseText(join(root, 'pglite'));
  bytes += db.length;
  hits.push(...sweepText('e2e database (outside ciphertext columns)', db, secrets));
  if (hits.length) {
    console.error(`Leak sweep: ${hits.length} canary key(s) found:`);
    for (const h of hits) console.error(`  ${h.where} (matched ${h.form.length} characters)`);
    process.exit(1);
  }
  console.log(`Leak sweep: ${secrets.length} canary keys, ${sources.length + 1} sources, ${(bytes / 1e6).toFixed(1)} MB searched — no leak.`);
}

if (process.argv[1]?.endsWith('leak-sweep.ts')) void main();
