// Runs before `next dev` / `next start`: validates the configuration (clear errors before the server
// starts), brings the embedded database up to date and releases credit reservations left by a crash.
import { ConfigError, loadServerEnv } from '~/server/env';
import { resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { releaseExpiredReservations } from '~/server/services/credits';
import { loadKeyring } from '~/server/vault/keyring';

async function main() {
  const env = loadServerEnv();
  // Fail before serving when the master key source is missing or malformed (a copy of the environment:
  // the server process reads, and then removes, the real variables itself).
  loadKeyring({ ...process.env });
  if (env.APP_ENV === 'production' && (process.env.FINGERPRINT_KEY ?? '').length < 32) {
    throw new ConfigError('Invalid configuration:\n  FINGERPRINT_KEY: at least 32 characters required when APP_ENV=production');
  }
  const opened = await openMigrated(resolveDbTarget(env));
  try {
    if (opened.applied.length) console.log(`Embedded database migrated: ${opened.applied.join(', ')}`);
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
