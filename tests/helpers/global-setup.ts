// Starts the fake providers once for the whole Vitest run and points the app's base URLs at them, and
// migrates one embedded database whose dump every test file's fresh one starts from (db.ts): migrating
// takes ~3 s a file, loading the dump ~1 s.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { fakeProviderEnv, startFakeProviders } from '../../fake-providers/server';
import { dumpOfMigratedPglite } from './db';

export default async function setup(project: TestProject) {
  const fp = await startFakeProviders({ latency: { chunkIntervalMs: 2, chunks: 12 } });
  for (const [k, v] of Object.entries(fakeProviderEnv(fp))) process.env[k] = v;
  process.env.FAKE_PROVIDERS_URL = fp.url;
  project.provide('fakeProvidersUrl', fp.url);

  const template = join(tmpdir(), `byok-vitest-pglite-${process.pid}.tar`);
  writeFileSync(template, Buffer.from(await (await dumpOfMigratedPglite()).arrayBuffer()));
  project.provide('pgliteTemplate', template);
  return async () => {
    rmSync(template, { force: true });
    await fp.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    fakeProvidersUrl: string;
    /** A migrated embedded database's dump (pglite.dumpDataDir), for db.ts. */
    pgliteTemplate: string;
  }
}
