import 'server-only';
// Makes a deleted or replaced sealed key leave the database's files. PostgreSQL's DELETE and UPDATE
// only mark a row version dead: its bytes stay in the table file until the page is rewritten (a plain
// VACUUM compacts the page but leaves the old bytes in the freed gap — measured, see
// tests/integration/key-shred.test.ts), and every version also went to the write-ahead log, whose
// segments are recycled by renaming, not erased. Overwriting the row first changes nothing: it only
// adds one more version. So, after the deleting transaction has committed:
//  1. VACUUM FULL rewrites each table that holds sealed keys into a new file with the live rows only;
//     the old file is truncated at once. SKIP_LOCKED: it never queues behind a running transaction
//     (and so never holds up the requests that would queue behind it); a skipped table is retried.
//  2. Embedded database only (one process owns it and its WAL): a switch to a new WAL segment, then a
//     checkpoint with wal_recycle off, so the segments holding the old rows are deleted, not kept for reuse.
// PostgreSQL's WAL belongs to the operator (archiving, replicas, retention), so the app leaves it alone;
// docs/security.md ("What Remove guarantees") says what holds where.
import type { Db } from '~/server/db/connect';
import { log } from '~/server/log';
import { upgradeLegacyKeys } from '~/server/vault/envelope';
import type { Keyring } from '~/server/vault/keyring';

/** Tables whose rows hold sealed keys or wrapped data keys. */
export const KEY_TABLES = ['provider_key', 'user_ai_defaults'] as const;
/** The format 1 shared data keys, reclaimed after upgradeLegacyKeys deleted some. */
export const LEGACY_KEY_TABLES = ['workspace_data_key', 'user_data_key'] as const;
type Table = (typeof KEY_TABLES)[number] | (typeof LEGACY_KEY_TABLES)[number];

export type ReclaimResult = { complete: boolean; ms: number };

const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];

type State = { tail: Promise<unknown>; next: Promise<ReclaimResult> | null; pending: Set<Table>; retries: number };
const states = new WeakMap<Db, State>();
const embedded = new WeakMap<Db, Promise<boolean>>();

/** PGlite is PostgreSQL compiled to WebAssembly: single-user, so a checkpoint runs in this session. */
function isEmbedded(db: Db): Promise<boolean> {
  let p = embedded.get(db);
  if (!p) {
    p = db.$queryRaw<{ v: string }[]>`SELECT version() AS v`.then(([r]) => /wasm32|emscripten/i.test(r?.v ?? ''));
    embedded.set(db, p);
  }
  return p;
}

async function filenode(db: Db, table: Table): Promise<string> {
  const [r] = await db.$queryRawUnsafe<{ f: string }[]>(`SELECT pg_relation_filenode('${table}')::text AS f`);
  return r?.f ?? '';
}

async function reclaimOnce(db: Db, tables: Table[]): Promise<{ skipped: Table[]; ms: number }> {
  const started = performance.now();
  const skipped: Table[] = [];
  for (const table of tables) {
    const before = await filenode(db, table);
    await db.$executeRawUnsafe(`VACUUM (FULL, SKIP_LOCKED) ${table}`);
    if ((await filenode(db, table)) === before) skipped.push(table);
  }
  if (await isEmbedded(db)) {
    await db.$executeRawUnsafe('SET wal_recycle = off');
    await db.$executeRawUnsafe('SELECT pg_switch_wal()');
    await db.$executeRawUnsafe('CHECKPOINT');
  }
  return { skipped, ms: performance.now() - started };
}

/**
 * Reclaims the space of deleted key rows in `tables`. Never throws: the deletion has committed; a failure
 * is logged and retried later (and start-up reclaims again). Concurrent callers share the next run.
 */
export function reclaimKeySpace(db: Db, tables: readonly Table[] = KEY_TABLES): Promise<ReclaimResult> {
  let s = states.get(db);
  if (!s) states.set(db, (s = { tail: Promise.resolve(), next: null, pending: new Set(), retries: 0 }));
  const state = s;
  for (const t of tables) state.pending.add(t);
  if (state.next) return state.next;
  const run = state.tail.then(async (): Promise<ReclaimResult> => {
    state.next = null;
    const todo = [...state.pending];
    state.pending.clear();
    try {
      const { skipped, ms } = await reclaimOnce(db, todo);
      if (!skipped.length) {
        state.retries = 0;
        log.debug({ tables: todo, ms: Math.round(ms) }, 'reclaimed the space of removed keys');
        return { complete: true, ms };
      }
      retryLater(db, state, skipped, 'busy');
      return { complete: false, ms };
    } catch (e) {
      retryLater(db, state, todo, e instanceof Error ? e.name : 'error');
      return { complete: false, ms: 0 };
    }
  });
  state.next = run;
  state.tail = run;
  return run;
}

function retryLater(db: Db, state: State, tables: Table[], reason: string): void {
  const delay = RETRY_DELAYS_MS[state.retries++];
  if (delay === undefined) {
    state.retries = 0;
    log.error({ tables, reason }, 'the space of removed keys could not be reclaimed; the next removal or start-up tries again');
    return;
  }
  log.warn({ tables, reason, retryInMs: delay }, 'the space of removed keys was not reclaimed yet');
  setTimeout(() => void reclaimKeySpace(db, tables), delay).unref();
}

/**
 * At start-up (and by the rewrap command): format 1 keys get their own data keys and the shared data
 * keys are deleted, then every table that holds keys is reclaimed — which also finishes a reclaim that
 * a stopped process left undone (its deletions had committed).
 */
export async function upgradeAndReclaimKeys(db: Db, ring?: Keyring): Promise<Awaited<ReturnType<typeof upgradeLegacyKeys>> & { reclaimed: boolean }> {
  const upgrade = await upgradeLegacyKeys(db, ring);
  const { complete } = await reclaimKeySpace(db, [...KEY_TABLES, ...LEGACY_KEY_TABLES]);
  return { ...upgrade, reclaimed: complete };
}
