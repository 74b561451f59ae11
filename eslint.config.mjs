import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ['.next/**', '**/node_modules/**', 'src/generated/**', '.data*/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'],
  },
  {
    rules: {
      // Logs go through the scrubbing logger (src/server/log.ts); CLI scripts print to the console.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['scripts/**', 'e2e/**', 'tests/**', 'bench/**', 'fake-providers/cli.ts', '*.config.*', 'src/server/http/serve-app.ts', 'src/server/http/serve-gateway.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Client code must never import server modules (decryption, provider calls, the database).
    files: ['src/components/**', 'src/lib/**', 'src/trpc/react.tsx', 'src/trpc/query-client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['~/server/*'], allowTypeImports: true, message: 'Server modules stay on the server.' }] },
      ],
    },
  },
  {
    // Pages reach the server through the services its process registers: a module imported here would be
    // bundled into the pages and run as a second copy, with its own database client and caches.
    files: ['src/app/**', 'src/trpc/server.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['~/server/*', '!~/server/page-services'], allowTypeImports: true, message: 'Pages use pageServices() (src/server/page-services.ts).' },
          ],
        },
      ],
    },
  },
];

export default config;
