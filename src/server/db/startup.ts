import 'server-only';
// What every process that opens the configured database does first: the embedded database is
// migrated in place (PostgreSQL is migrated explicitly by the operator, or by a tool that created it).
import { type DbTarget, type Opened, openDatabase } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';

export async function openMigrated(target: DbTarget, opts: { migratePostgres?: boolean } = {}): Promise<Opened & { applied: string[] }> {
  const opened = openDatabase(target);
  try {
    const migrate = target.kind === 'pglite' || opts.migratePostgres;
    const applied = migrate ? await applyMigrations(await openSchemaEngine(opened.adapterFactory), await readMigrations()) : [];
    return { ...opened, applied };
  } catch (e) {
    await opened.close();
    throw e;
  }
}
