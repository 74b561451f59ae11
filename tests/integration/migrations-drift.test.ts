import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '~/server/db/schema-engine';
import { checkDrift } from '../../scripts/lib/drift';

describe('migration drift check', () => {
  it('passes when the committed migrations produce the schema', async () => {
    expect((await checkDrift()).trim()).toBe('');
  });

  it('keeps semicolons out of SQL comments (the PostgreSQL adapter splits scripts on them)', async () => {
    const { readdir } = await import('node:fs/promises');
    for (const d of (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory())) {
      const sql = await readFile(join(MIGRATIONS_DIR, d.name, 'migration.sql'), 'utf8');
      const bad = sql.split('\n').filter((l) => /--.*;/.test(l));
      expect(bad, d.name).toEqual([]);
    }
  });

  it('fails when the schema changes without a migration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drift-'));
    const schema = (await readFile(SCHEMA_PATH, 'utf8')).replace(
      'model Workspace {',
      'model Workspace {\n  newColumnWithoutMigration String?',
    );
    await writeFile(join(dir, 'schema.prisma'), schema);
    const pending = await checkDrift(join(dir, 'schema.prisma'));
    expect(pending).toContain('newColumnWithoutMigration');
  });

  it('fails when a migration is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drift-'));
    await cp(MIGRATIONS_DIR, join(dir, 'migrations'), { recursive: true });
    await writeFile(join(dir, 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n');
    const { rm, readdir } = await import('node:fs/promises');
    for (const d of await readdir(join(dir, 'migrations'))) {
      if (d !== 'migration_lock.toml') await rm(join(dir, 'migrations', d), { recursive: true });
    }
    expect(await checkDrift(SCHEMA_PATH, join(dir, 'migrations'))).toContain('CREATE TABLE');
  });
});
