import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import {
  MIGRATIONS_DIR,
  SCHEMA_PATH,
  diffMigrationsToSchema,
  openSchemaEngine,
  readMigrations,
} from '~/server/db/schema-engine';

/** The SQL that the migrations lack to produce the schema (empty when they agree). Uses a scratch in-memory database. */
async function scratchEngine(schema: string) {
  return openSchemaEngine(new PrismaPGlite(await PGlite.create('memory://')), schema);
}

export async function checkDrift(schemaPath = SCHEMA_PATH, migrationsDir = MIGRATIONS_DIR): Promise<string> {
  const schema = await readFile(schemaPath, 'utf8');
  const engine = await scratchEngine(schema);
  return diffMigrationsToSchema(engine, await readMigrations(migrationsDir), schema);
}

