// `npm run fake-providers` — serve the fake providers on a fixed port (default 4010) and print the
// base URLs to point the app at. With FAKE_SECRET_MANAGER_PORT, also a fake Google Secret Manager
// holding one master key version (started first: the providers' health URL means both are up).
import { randomBytes } from 'node:crypto';
import { startFakeSecretManager } from './secret-manager';
import { fakeProviderEnv, startFakeProviders } from './server';

const smPort = process.env.FAKE_SECRET_MANAGER_PORT;
const sm = smPort ? await startFakeSecretManager(process.env.FAKE_SECRET_MANAGER_PROJECT ?? 'byok-local', 'master-key', Number(smPort)) : undefined;
const port = Number(process.env.FAKE_PROVIDERS_PORT ?? 4010);
const fp = await startFakeProviders({
  port,
  latency: {
    firstByteMs: Number(process.env.FAKE_FIRST_BYTE_MS ?? 0),
    chunkIntervalMs: Number(process.env.FAKE_CHUNK_INTERVAL_MS ?? 40),
    chunks: Number(process.env.FAKE_CHUNKS ?? 24),
  },
});
console.log(`Fake providers listening on ${fp.url}`);
for (const [k, v] of Object.entries(fakeProviderEnv(fp))) console.log(`${k}=${v}`);
if (sm) {
  const version = sm.seed(randomBytes(32));
  console.log(`Fake Secret Manager listening on ${sm.url}`);
  console.log(`MASTER_KEY_SECRET=${sm.secret}\nMASTER_KEY_SECRET_VERSION=${version}\nSECRET_MANAGER_ENDPOINT=${sm.url}`);
}
const stop = () => void Promise.all([fp.close(), sm?.close()]).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
