import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '~': fileURLToPath(new URL('./src', import.meta.url)),
      'server-only': fileURLToPath(new URL('./tests/helpers/server-only-stub.ts', import.meta.url)),
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Canaries in the SDKs' standard variable names: the app must never read them.
    env: {
      LOG_LEVEL: 'silent',
      // Local secrets (master key file, fingerprint key) for the test run, outside the repository.
      DATA_DIR: join(tmpdir(), `byok-vitest-${process.pid}`),
      // Managed (platform) credentials: fake keys the fake providers accept.
      PLATFORM_ANTHROPIC_API_KEY: 'sk-ant-platform-fake-anthropic-key-0001',
      PLATFORM_OPENAI_API_KEY: 'sk-platform-fake-openai-key-0001',
      PLATFORM_GOOGLE_API_KEY: 'AQ.platform-fake-google-key-0001',
      PLATFORM_XAI_API_KEY: 'xai-platform-fake-xai-key-0001',
      PLATFORM_MISTRAL_API_KEY: 'PlatformFakeMistralKey0000000001',
      PLATFORM_BRAVE_API_KEY: 'BravePlatformFakeKey000000000001',
      STREAM_IDLE_TIMEOUT_MS: '1500',
      OPENAI_API_KEY: 'sk-canary-std-env-openai-0000000000000000',
      ANTHROPIC_API_KEY: 'sk-ant-canary-std-env-anthropic-000000000',
      GOOGLE_API_KEY: 'AIzaCanaryStdEnvGoogle00000000000000000',
      GOOGLE_GENERATIVE_AI_API_KEY: 'AIzaCanaryStdEnvGoogleGen000000000000000',
      XAI_API_KEY: 'xai-canary-std-env-xai-000000000000000000',
      MISTRAL_API_KEY: 'CanaryStdEnvMistral0000000000000',
    },
  },
});
