import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '~/server/log';
import { canaryKey, findCanary } from '../helpers/canary';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  // pino writes to `destination.write(string)`.
  const logger = createLogger({ level: 'trace', destination: { write: (s: string) => destination.write(s) } });
  return { logger, text: () => lines.join('') };
}

describe('logger', () => {
  const shapes = {
    openai: canaryKey('sk-proj-'),
    anthropic: canaryKey('sk-ant-api03-'),
    xai: canaryKey('xai-'),
    google: canaryKey('AIza'),
    googleNew: canaryKey('AQ.'),
  };

  it.each(Object.entries(shapes))('scrubs a %s key from messages, stacks, URLs and nested causes', (_name, key) => {
    const { logger, text } = capture();
    logger.info(`probe failed for ${key}`);
    const err = new Error(`upstream said: Incorrect API key provided: ${key}`, { cause: new Error(`inner ${key}`) });
    logger.error({ err }, 'failure');
    logger.warn({ url: `https://example.test/v1/models?key=${key}&x=1` }, 'request');
    logger.info({ nested: { deeper: { text: `value ${key}` } } }, 'nested');
    expect(text()).toContain('[REDACTED]');
    expect(findCanary(text(), key)).toBeNull();
  });

  it('redacts secret-named fields whatever their value looks like', () => {
    const { logger, text } = capture();
    const shortKey = 'short-secret-value-42';
    logger.info({ apiKey: shortKey, body: { api_key: shortKey }, headers: { authorization: `Bearer ${shortKey}`, 'x-api-key': shortKey } });
    expect(text()).not.toContain(shortKey);
  });

  it('scrubs bearer tokens and key= query parameters', () => {
    expect(scrubSecrets('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: [REDACTED]');
    expect(scrubSecrets('GET /x?key=zzzzzzzz&b=1')).toBe('GET /x?key=[REDACTED]&b=1');
    expect(scrubSecrets('a Mistral key ABCDEFGHIJKLMNOPQRSTUVWXYZ123456 here')).toBe('a Mistral key [REDACTED] here');
  });

  it('keeps ordinary text', () => {
    expect(scrubSecrets('workspace created for alice@example.com in 12 ms')).toBe('workspace created for alice@example.com in 12 ms');
  });
});
