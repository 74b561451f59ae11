// `prisma generate` does not need the native schema engine, but the CLI insists on finding one and
// tries to download it. Where none is installed (offline machines), point it at a placeholder file.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = { ...process.env };
const enginesDir = join('node_modules', '@prisma', 'engines');
const hasNativeEngine =
  existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasNativeEngine) {
  mkdirSync('node_modules/.cache', { recursive: true });
  const placeholder = join('node_modules', '.cache', 'schema-engine-placeholder');
  writeFileSync(placeholder, '');
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const r = spawnSync('npx', ['prisma', 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
