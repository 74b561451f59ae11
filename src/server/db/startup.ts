// What every process that opens the configured database does first: the embedded database is
// migrated in place (PostgreSQL is migrated explicitly by the operator).
import { type DbTarget, type Opened, openDatabase } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';

export async function openMigrated(target: DbTarget): Promise<Opened & { applied: string[] }> {
  const opened = openDatabase(target);
  try {
    const applied =
      target.kind === 'pglite' ? await applyMigrations(await openSchemaEngine(opened.adapterFactory), await readMigrations()) : [];
    return { ...opened, applied };
  } catch (e) {
    await opened.close();
    throw e;
  }
}
