import 'server-only';
// Prisma's schema engine compiled to WebAssembly, driven through a driver adapter: creates, applies
// and checks migrations without the native engine binary (which cannot be downloaded offline).
// Migrations stay in Prisma's own folder format, so `prisma migrate deploy` keeps working wherever
// the native engine exists.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

const require = createRequire(import.meta.url);

export const PRISMA_DIR = resolve(process.cwd(), 'prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');
const NO_FILTERS = { externalTables: [], externalEnums: [] };

type Glue = typeof import('@prisma/schema-engine-wasm') & { __wbg_set_wasm(w: unknown): void };

// The wasm-bindgen glue is a module-level singleton: instantiate the WebAssembly once per process and
// create every engine from it.
let gluePromise: Promise<Glue> | undefined;
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    const glueUrl = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import(glueUrl)) as Glue;
    const bytes = await readFile(glueUrl.replace(/schema_engine_bg\.js$/, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue as never });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return glue;
  })();
  return gluePromise;
}

/**
 * The PostgreSQL driver adapter runs a script by splitting it at every `;`, which breaks any statement
 * holding one (a function body, a string, a comment). PostgreSQL itself runs a multi-statement script
 * in one simple query; migrations reach it whole, as `prisma migrate deploy` sends them.
 */
function wholeScripts(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  if (factory.provider !== 'postgres' || factory.adapterName !== '@prisma/adapter-pg') return factory;
  const whole = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    const driver = (adapter as SqlDriverAdapter & { underlyingDriver(): { query(sql: string): Promise<unknown> } }).underlyingDriver();
    adapter.executeScript = async (script) => {
      await driver.query(script);
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => whole(await factory.connect()),
    connectToShadowDb: async () => whole(await factory.connectToShadowDb()),
  };
}

export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schema?: string,
): Promise<SchemaEngine> {
  const glue = await loadGlue();
  const datamodel = schema ?? (await readFile(SCHEMA_PATH, 'utf8'));
  return glue.SchemaEngine.new(
    { datamodels: [[SCHEMA_PATH, datamodel]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(wholeScripts(adapterFactory)),
  );
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  let names: string[] = [];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    names = [];
  }
  const lockPath = join(dir, 'migration_lock.toml');
  const lock = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(join(dir, name, 'migration.sql'), 'utf8').then(
            (ok) => ({ tag: 'ok' as const, value: ok }),
            () => ({ tag: 'error' as const, value: 'missing migration.sql' }),
          ),
        },
      })),
    ),
  };
}

/** SQL that would bring the migrations up to the schema; empty when they agree. */
export async function diffMigrationsToSchema(
  engine: SchemaEngine,
  migrations: MigrationList,
  schema: string,
): Promise<string> {
  const from =
    migrations.migrationDirectories.length === 0
      ? ({ tag: 'empty' } as const)
      : ({ tag: 'migrations', ...migrations } as const);
  const result = await engine.diff({
    from,
    to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: schema }] },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  });
  return result.exitCode === 2 ? (result.stdout ?? '') : '';
}

export async function applyMigrations(engine: SchemaEngine, migrations: MigrationList): Promise<string[]> {
  const out = await engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTERS });
  return out.appliedMigrationNames;
}
