// Runs before `next dev` / `next start`: validates the configuration (clear errors before the server
// starts), brings the embedded database up to date and releases credit reservations left by a crash.
import { ConfigError, loadServerEnv } from '~/server/env';
import { resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { releaseExpiredReservations } from '~/server/services/credits';
import { recoverInterruptedRuns } from '~/server/services/generation/recovery';
import { loadKeyring, MasterKeyUnavailable } from '~/server/vault/keyring';
import { upgradeAndReclaimKeys } from '~/server/vault/reclaim';

async function main() {
  const env = loadServerEnv();
  // Fail before serving when the master key source is missing or malformed (a copy of the environment:
  // the server process reads, and then removes, the real variables itself).
  const ring = await loadKeyring({ ...process.env });
  for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'XAI_API_KEY', 'MISTRAL_API_KEY', 'AI_GATEWAY_API_KEY']) {
    if (process.env[name]) console.warn(`Warning: ${name} is set. The app never reads it (platform keys use PLATFORM_*); unset it in deployments.`);
  }
  if (env.APP_ENV === 'production' && (process.env.FINGERPRINT_KEY ?? '').length < 32) {
    throw new ConfigError('Invalid configuration:\n  FINGERPRINT_KEY: at least 32 characters required when APP_ENV=production');
  }
  const opened = await openMigrated(resolveDbTarget(env));
  try {
    if (opened.applied.length) console.log(`Embedded database migrated: ${opened.applied.join(', ')}`);
    // Runs a dead process left running are failed and their credits returned. The embedded database
    // is single-process, so every running run there is orphaned; on PostgreSQL other instances may be
    // alive, so only runs whose heartbeat stopped are.
    const recovered = await recoverInterruptedRuns(opened.db, env.DATABASE_URL ? 120_000 : 0);
    if (recovered) console.log(`Marked ${recovered} interrupted run(s) as failed and released their credits.`);
    // Credits held by a process that died (a crash mid-call) go back to their workspaces.
    const released = await releaseExpiredReservations(opened.db);
    if (released) console.log(`Released ${released} expired credit reservation(s).`);
    // Keys stored before per-key data keys get theirs; removed keys whose space a stopped process did not
    // reclaim leave the database's files now (docs/security.md, "What Remove guarantees").
    const keys = await upgradeAndReclaimKeys(opened.db, ring);
    if (keys.upgraded) console.log(`Re-sealed ${keys.upgraded} stored key(s) under their own data keys.`);
    if (keys.unreadable) console.warn(`${keys.unreadable} stored key(s) could not be opened with the configured master keys; they were left as they are.`);
    if (!keys.reclaimed) console.warn('The space of removed keys could not be reclaimed yet (the tables were busy); the server retries after the next removal.');
  } finally {
    await opened.close();
  }
}

// Exits explicitly: the Secret Manager client may hold keep-alive connections open.
main().then(() => process.exit(0), (e: unknown) => {
  if (e instanceof MasterKeyUnavailable) console.error(`Start-up failed: the master key source could not be read (${e.kind}, version ${e.version}).`);
  else console.error(e instanceof ConfigError ? e.message : `Start-up failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
