import 'server-only';
// Opens a Prisma client over the configured database: embedded PGlite under the data directory by
// default, PostgreSQL when DATABASE_URL is a postgres:// URL. Same schema, same migrations.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '~/generated/prisma/client';
import { registerDriver } from './sql';

export type Db = PrismaClient;

export type DbTarget =
  | { kind: 'postgres'; url: string }
  // 'memory://' for tests; `loadDataDir` starts it from a dump of another (dumpDataDir) instead of empty.
  | { kind: 'pglite'; dataDir: string; loadDataDir?: Blob }
  ;

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export function resolveDbTarget(env: { DATABASE_URL?: string; DATA_DIR: string }): DbTarget {
  if (env.DATABASE_URL) return { kind: 'postgres', url: env.DATABASE_URL };
  return { kind: 'pglite', dataDir: join(env.DATA_DIR, 'pglite') };
}

export type Opened = {
  db: Db;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
};

/** Where a client's database is: a PostgreSQL URL, or the embedded database's own instance. */
export type DbConnection = { kind: 'postgres'; url: string } | { kind: 'pglite'; pglite: PGlite };
const connections = new WeakMap<Db, DbConnection>();
const closers = new WeakMap<Db, Set<() => Promise<void>>>();

/** How to reach the database behind a client directly (LISTEN/NOTIFY need a connection of their own). */
export function connectionOf(db: Db): DbConnection | undefined {
  return connections.get(db);
}

/** Runs `close` when the client is closed, before it (a connection of its own, e.g. a listener's, ends with it). */
export function closeWith(db: Db, close: () => Promise<void>): () => void {
  const set = closers.get(db) ?? new Set();
  closers.set(db, set.add(close));
  return () => set.delete(close);
}

async function runClosers(db: Db): Promise<void> {
  const set = closers.get(db);
  closers.delete(db);
  for (const close of set ?? []) await close().catch(() => {});
}

export function openDatabase(target: DbTarget): Opened {
  if (target.kind === 'postgres') {
    // A bounded pool: the app is one process per instance; several instances share the server.
    // One pool for Prisma and the hot path's direct statements (db/sql.ts); Prisma ends it on disconnect.
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    const adapterFactory = new PrismaPg(pool, { disposeExternalPool: true });
    const db = new PrismaClient({ adapter: adapterFactory, errorFormat: 'minimal' });
    connections.set(db, { kind: 'postgres', url: target.url });
    const relaxed = new pg.Pool({ connectionString: target.url, max: 4, options: '-c synchronous_commit=off' });
    registerDriver(db, { pool, relaxed });
    closeWith(db, () => relaxed.end());
    return {
      db,
      adapterFactory,
      close: async () => {
        await runClosers(db);
        await db.$disconnect();
      },
    };
  }
  if (!target.dataDir.startsWith('memory://')) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite(target.dataDir, target.loadDataDir ? { loadDataDir: target.loadDataDir } : {});
  const adapterFactory = new PrismaPGlite(pglite);
  const db = new PrismaClient({ adapter: adapterFactory, errorFormat: 'minimal' });
  connections.set(db, { kind: 'pglite', pglite });
  registerDriver(db, { pglite });
  return {
    db,
    adapterFactory,
    close: async () => {
      await runClosers(db);
      await db.$disconnect();
      await pglite.close();
    },
  };
}
