// Starts the fake providers once for the whole Vitest run and points the app's base URLs at them.
import type { TestProject } from 'vitest/node';
import { fakeProviderEnv, startFakeProviders } from '../../fake-providers/server';

export default async function setup(project: TestProject) {
  const fp = await startFakeProviders({ latency: { chunkIntervalMs: 2, chunks: 12 } });
  for (const [k, v] of Object.entries(fakeProviderEnv(fp))) process.env[k] = v;
  process.env.FAKE_PROVIDERS_URL = fp.url;
  project.provide('fakeProvidersUrl', fp.url);
  return () => fp.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    fakeProvidersUrl: string;
  }
}
