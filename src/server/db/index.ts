import 'server-only';
import { serverEnv } from '~/server/env';
import { type Db, openDatabase, resolveDbTarget } from '~/server/db/connect';

// One client per server process. An embedded PGlite directory can only be open in one process at a time.
const globalForDb = globalThis as unknown as { __db?: Db; __closeDb?: () => Promise<void> };

export function getDb(): Db {
  if (!globalForDb.__db) {
    const opened = openDatabase(resolveDbTarget(serverEnv()));
    globalForDb.__db = opened.db;
    globalForDb.__closeDb = opened.close;
  }
  return globalForDb.__db;
}

/** At shutdown: the embedded database is closed cleanly, PostgreSQL connections are ended. */
export async function closeDb(): Promise<void> {
  const close = globalForDb.__closeDb;
  globalForDb.__db = globalForDb.__closeDb = undefined;
  await close?.();
}
