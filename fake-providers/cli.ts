// `npm run fake-providers` — serve the fake providers on a fixed port (default 4010) and print the
// base URLs to point the app at.
import { fakeProviderEnv, startFakeProviders } from './server';

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
const stop = () => void fp.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
