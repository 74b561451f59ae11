// A fresh, migrated database per test file: in-memory PGlite by default; a new PostgreSQL database
// when TEST_DATABASE_URL is set (so locking and concurrency are proven on the real server).
import { createPostgresDatabase } from '../../scripts/lib/pg-database';
import { readFileSync } from 'node:fs';
import { connectionOf, type Db, type Opened, openDatabase } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';

export type TestDb = { db: Db; kind: 'pglite' | 'postgres'; url?: string; close(): Promise<void> };

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export async function createTestDb(kind: 'pglite' | 'postgres' = TEST_DATABASE_URL ? 'postgres' : 'pglite'): Promise<TestDb> {
  if (kind === 'postgres') {
    if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
    const created = await createPostgresDatabase(TEST_DATABASE_URL);
    const opened = await migrated(openDatabase({ kind: 'postgres', url: created.url }));
    return {
      db: opened.db,
      kind,
      url: created.url,
      async close() {
        await opened.close();
        await created.drop();
      },
    };
  }
  const template = await pgliteTemplate();
  const opened = template
    ? openDatabase({ kind: 'pglite', dataDir: 'memory://', loadDataDir: template })
    : await migrated(openDatabase({ kind: 'pglite', dataDir: 'memory://' }));
  return {
    db: opened.db,
    kind,
    async close() {
      await opened.close();
    },
  };
}

async function migrated(opened: Opened): Promise<Opened> {
  await applyMigrations(await openSchemaEngine(opened.adapterFactory), await readMigrations());
  return opened;
}

/** A fresh in-memory embedded database with every migration applied, and its dump (for the global setup). */
export async function dumpOfMigratedPglite(): Promise<Blob> {
  const opened = await migrated(openDatabase({ kind: 'pglite', dataDir: 'memory://' }));
  try {
    const connection = connectionOf(opened.db);
    if (connection?.kind !== 'pglite') throw new Error('not an embedded database');
    return await connection.pglite.dumpDataDir('none');
  } finally {
    await opened.close();
  }
}

/** The migrated database the global setup dumped, when this runs under Vitest (scripts migrate their own). */
async function pgliteTemplate(): Promise<Blob | undefined> {
  let path: string | undefined;
  try {
    const { inject } = await import('vitest');
    path = inject('pgliteTemplate');
  } catch {
    return undefined;
  }
  return path ? new Blob([readFileSync(path)]) : undefined;
}

export const DB_KINDS: ('pglite' | 'postgres')[] = ['pglite', 'postgres'];

/**
 * Runs a suite once per available database (PGlite always, PostgreSQL when TEST_DATABASE_URL is set),
 * each with its own fresh, migrated database.
 */
export function describeEachDb(name: string, body: (get: () => TestDb) => void) {
  // Imported lazily so this module also works outside vitest (scripts).
  return import('vitest').then(({ describe, beforeAll, afterAll }) => {
    for (const kind of DB_KINDS) {
      if (kind === 'postgres' && !TEST_DATABASE_URL) {
        describe.skip(`${name} [postgres: skipped, TEST_DATABASE_URL is not set]`, () => body(() => {
          throw new Error('skipped');
        }));
        continue;
      }
      describe(`${name} [${kind}]`, () => {
        let t: TestDb | undefined;
        beforeAll(async () => {
          t = await createTestDb(kind);
        });
        afterAll(async () => t?.close());
        body(() => {
          if (!t) throw new Error('database not ready');
          return t;
        });
      });
    }
  });
}

/** CI runs the PostgreSQL suites (.ci/run sets TEST_DATABASE_URL): there, a missing database is a failure. */
const IN_CI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/**
 * A suite that only means something on PostgreSQL (concurrency through a pool of connections, several
 * app instances on one database): run on a fresh PostgreSQL database when TEST_DATABASE_URL is set;
 * otherwise skipped with the reason locally, and failed in CI (CI=true), so it can never pass unseen.
 */
export function describePostgres(name: string, body: (get: () => TestDb) => void) {
  return import('vitest').then(({ describe, it, beforeAll, afterAll }) => {
    if (!TEST_DATABASE_URL) {
      if (IN_CI) {
        describe(`${name} [postgres]`, () => {
          it('runs on PostgreSQL', () => {
            throw new Error('TEST_DATABASE_URL is not set: this suite must run on PostgreSQL in CI (CI is set).');
          });
        });
      } else {
        describe.skip(`${name} [postgres: skipped, TEST_DATABASE_URL is not set]`, () => body(() => {
          throw new Error('skipped');
        }));
      }
      return;
    }
    describe(`${name} [postgres]`, () => {
      let t: TestDb | undefined;
      beforeAll(async () => {
        t = await createTestDb('postgres');
      });
      afterAll(async () => t?.close());
      body(() => {
        if (!t) throw new Error('database not ready');
        return t;
      });
    });
  });
}

/**
 * Makes this suite's database the one the server code under test reads through getDb() (src/server/db):
 * HTTP suites serve requests from their own database. Use as `beforeEach(serveFromTestDb(getDb))`.
 */
export function serveFromTestDb(get: () => TestDb): () => void {
  return () => {
    (globalThis as { __db?: Db }).__db = get().db;
  };
}
