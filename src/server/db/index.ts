import 'server-only';
import { serverEnv } from '~/server/env';
import { type Db, openDatabase, resolveDbTarget } from '~/server/db/connect';

// One client per server process (kept across dev hot reloads). An embedded PGlite directory can only
// be open in one process at a time.
const globalForDb = globalThis as unknown as { __db?: Db };

export function getDb(): Db {
  globalForDb.__db ??= openDatabase(resolveDbTarget(serverEnv())).db;
  return globalForDb.__db;
}
