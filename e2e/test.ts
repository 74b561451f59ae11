// The browser tests' `test`: every response the pages receive from the app (bodies and headers), every
// browser console message and page error, and the browser's storage at the end of each test are recorded
// under the e2e data directory, so the leak sweep (scripts/leak-sweep.ts) can search them for the canary
// keys afterwards.
import { appendFileSync, mkdirSync } from 'node:fs';
import { test as base, expect } from '@playwright/test';

export const RECORD_DIR = '.data-e2e/record';

export const test = base.extend<{ recorder: void }>({
  recorder: [
    async ({ context, baseURL }, use, testInfo) => {
      mkdirSync(RECORD_DIR, { recursive: true });
      const responses = `${RECORD_DIR}/responses.log`;
      const consoleLog = `${RECORD_DIR}/console.log`;
      const pending: Promise<void>[] = [];
      appendFileSync(consoleLog, `\n=== ${testInfo.title}\n`);
      // Console messages with their arguments as the page logged them (objects included, serialized).
      context.on('console', (msg) => {
        pending.push(
          (async () => {
            const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => a.toString())));
            appendFileSync(consoleLog, `[${msg.type()}] ${msg.text()} ${JSON.stringify(args)}\n`);
          })(),
        );
      });
      context.on('weberror', (err) => {
        appendFileSync(consoleLog, `[pageerror] ${err.error().stack ?? err.error().message}\n`);
      });
      context.on('response', (res) => {
        if (!baseURL || !res.url().startsWith(baseURL)) return;
        pending.push(
          (async () => {
            // An event stream's body ends only with its run (or never, for a stream the page dropped): its
            // events are swept from the run_event table instead (scripts/leak-sweep.ts).
            const streamed = (res.headers()['content-type'] ?? '').startsWith('text/event-stream');
            const body = streamed ? '(event stream: swept from run_event)' : await res.text().catch(() => '');
            appendFileSync(responses, `\n=== ${testInfo.title} ${res.status()} ${res.url()}\n${JSON.stringify(res.headers())}\n${body}`);
          })(),
        );
      });
      await use();
      await Promise.allSettled(pending);
      const storage: unknown[] = [{ cookies: await context.cookies() }];
      for (const page of context.pages()) {
        storage.push(
          await page
            .evaluate(async () => ({
              url: location.href,
              local: { ...localStorage },
              session: { ...sessionStorage },
              indexedDb: 'databases' in indexedDB ? await indexedDB.databases() : [],
            }))
            .catch(() => null),
        );
      }
      appendFileSync(`${RECORD_DIR}/storage.log`, `\n=== ${testInfo.title}\n${JSON.stringify(storage)}`);
    },
    { auto: true },
  ],
});

export { expect };
