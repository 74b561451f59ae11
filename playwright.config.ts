import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';
import { freePortsSync } from './scripts/lib/free-port';

// Debian's Chromium where present (browser downloads are impossible offline); Playwright's own otherwise.
const executablePath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

// Free ports, chosen once by the main process: the workers inherit them through the environment.
if (!process.env.E2E_PORT || !process.env.E2E_FAKE_PORT || !process.env.E2E_FAKE_SM_PORT) {
  const [app, fakes, secretManager] = freePortsSync(3);
  process.env.E2E_PORT ??= String(app);
  process.env.E2E_FAKE_PORT ??= String(fakes);
  process.env.E2E_FAKE_SM_PORT ??= String(secretManager);
}
export const E2E_PORT = Number(process.env.E2E_PORT);
export const E2E_DATA_DIR = '.data-e2e';
export const FAKE_PORT = Number(process.env.E2E_FAKE_PORT);
const FAKE_SECRET_MANAGER_PORT = Number(process.env.E2E_FAKE_SM_PORT);
const baseURL = `http://localhost:${E2E_PORT}`;
const fake = `http://127.0.0.1:${FAKE_PORT}`;

export default defineConfig({
  testDir: './e2e',
  // The screenshots (docs/screenshots/) are taken by `npm run screenshots` only.
  testIgnore: process.env.SCREENSHOTS ? [] : ['**/screenshots.spec.ts'],
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], channel: undefined } },
  ],
  webServer: [
    {
      command: 'npx tsx fake-providers/cli.ts',
      url: `${fake}/__fake/health`,
      reuseExistingServer: false,
      env: {
        FAKE_PROVIDERS_PORT: String(FAKE_PORT),
        FAKE_CHUNK_INTERVAL_MS: '20',
        FAKE_SECRET_MANAGER_PORT: String(FAKE_SECRET_MANAGER_PORT),
        FAKE_SECRET_MANAGER_PROJECT: 'byok-e2e',
      },
    },
    {
    // The server's own stdout and stderr are kept too: the leak sweep searches them.
    command: `rm -rf ${E2E_DATA_DIR} && mkdir -p ${E2E_DATA_DIR} && npm run seed -- e2e && npm run build && npm start 2>&1 | tee ${E2E_DATA_DIR}/server.out`,
    url: `${baseURL}/sign-in`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      ANTHROPIC_BASE_URL: `${fake}/anthropic/v1`,
      OPENAI_BASE_URL: `${fake}/openai/v1`,
      GOOGLE_BASE_URL: `${fake}/gemini/v1beta`,
      XAI_BASE_URL: `${fake}/xai/v1`,
      MISTRAL_BASE_URL: `${fake}/mistral/v1`,
      BRAVE_BASE_URL: `${fake}/brave`,
      PORT: String(E2E_PORT),
      DATA_DIR: E2E_DATA_DIR,
      APP_URL: baseURL,
      DATABASE_URL: '',
      AUTH_SIGN_IN_RATE_LIMIT: '1000',
      LOG_LEVEL: 'info',
      // The master key comes from (a fake of) Google Secret Manager, as in production.
      MASTER_KEY_SECRET: 'projects/byok-e2e/secrets/master-key',
      MASTER_KEY_SECRET_VERSION: '1',
      SECRET_MANAGER_ENDPOINT: `http://127.0.0.1:${FAKE_SECRET_MANAGER_PORT}`,
      PLATFORM_ANTHROPIC_API_KEY: 'sk-ant-platform-e2e-anthropic-0001',
      PLATFORM_OPENAI_API_KEY: 'sk-platform-e2e-openai-0001',
      PLATFORM_GOOGLE_API_KEY: 'AQ.platform-e2e-google-0001',
      PLATFORM_XAI_API_KEY: 'xai-platform-e2e-0001',
      PLATFORM_MISTRAL_API_KEY: 'PlatformE2eMistralKey00000000001',
      PLATFORM_BRAVE_API_KEY: 'BravePlatformE2eKey0000000000001',
      STREAM_IDLE_TIMEOUT_MS: '5000',
      // The server's log goes to a file the leak checks read.
      LOG_FILE: `${E2E_DATA_DIR}/server.log`,
      // Canaries in the SDKs' standard variable names: the app must never read them.
      OPENAI_API_KEY: 'sk-canary-std-env-openai-0000000000000000',
      ANTHROPIC_API_KEY: 'sk-ant-canary-std-env-anthropic-000000000',
      GOOGLE_API_KEY: 'AIzaCanaryStdEnvGoogle00000000000000000',
      XAI_API_KEY: 'xai-canary-std-env-xai-000000000000000000',
      MISTRAL_API_KEY: 'CanaryStdEnvMistral0000000000000',
    },
    },
  ],
});
