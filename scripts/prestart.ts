// Runs before `next dev` / `next start`: validates the configuration (clear errors before the server
// starts) and brings the embedded database up to date. PostgreSQL is migrated explicitly by the
// operator (`npm run db:migrate:apply`), so several instances never race on it at start-up.
import { ConfigError, loadServerEnv } from '~/server/env';
import { openDatabase, resolveDbTarget } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';

async function main() {
  const env = loadServerEnv();
  const target = resolveDbTarget(env);
  if (target.kind !== 'pglite') return;
  const opened = openDatabase(target);
  try {
    const engine = await openSchemaEngine(opened.adapterFactory);
    const applied = await applyMigrations(engine, await readMigrations());
    if (applied.length) console.log(`Embedded database migrated: ${applied.join(', ')}`);
  } finally {
    await opened.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : `Start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
