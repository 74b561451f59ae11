// Runs before `next dev` / `next start`: validates the configuration (clear errors before the server
// starts), brings the embedded database up to date and releases credit reservations left by a crash.
// PostgreSQL is migrated explicitly by the operator (`npm run db:migrate:apply`), so several
// instances never race on it at start-up.
import { ConfigError, loadServerEnv } from '~/server/env';
import { openDatabase, resolveDbTarget } from '~/server/db/connect';
import { applyMigrations, openSchemaEngine, readMigrations } from '~/server/db/schema-engine';
import { releaseExpiredReservations } from '~/server/services/credits';

async function main() {
  const env = loadServerEnv();
  const target = resolveDbTarget(env);
  const opened = openDatabase(target);
  try {
    if (target.kind === 'pglite') {
      const engine = await openSchemaEngine(opened.adapterFactory);
      const applied = await applyMigrations(engine, await readMigrations());
      if (applied.length) console.log(`Embedded database migrated: ${applied.join(', ')}`);
    }
    // Credits held by a process that died (a crash mid-call) go back to their workspaces.
    const released = await releaseExpiredReservations(opened.db);
    if (released) console.log(`Released ${released} expired credit reservation(s).`);
  } finally {
    await opened.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : `Start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
