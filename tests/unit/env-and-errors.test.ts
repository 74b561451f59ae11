import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerEnv } from '~/server/env';
import { AppError, toRestError, toTRPCError } from '~/server/errors';

describe('configuration', () => {
  it('defaults to the embedded database and a local URL', () => {
    const env = loadServerEnv({});
    expect(env).toMatchObject({ DATA_DIR: '.data', PORT: 3000, APP_URL: 'http://localhost:3000' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('treats empty values as unset', () => {
    expect(loadServerEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('rejects a DATABASE_URL that is not PostgreSQL, naming the variable but not its value', () => {
    const secretish = 'mysql://user:hunter2@db/x';
    const err = (() => {
      try {
        loadServerEnv({ DATABASE_URL: secretish });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('DATABASE_URL');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('requires explicit secrets in production deployments', () => {
    expect(() => loadServerEnv({ APP_ENV: 'production' })).toThrow(/BETTER_AUTH_SECRET.*\n.*APP_URL/s);
    expect(() => loadServerEnv({ APP_ENV: 'production', BETTER_AUTH_SECRET: 'short', APP_URL: 'https://x.test' })).toThrow(
      /at least 32/,
    );
    expect(
      loadServerEnv({ APP_ENV: 'production', BETTER_AUTH_SECRET: 'x'.repeat(32), APP_URL: 'https://x.test' }).APP_URL,
    ).toBe('https://x.test');
  });

  it('refuses a gateway process without PostgreSQL (the embedded database is one process’s) and takes one with it', () => {
    expect(() => loadServerEnv({ APP_ROLE: 'gateway' })).toThrow(/APP_ROLE: gateway requires DATABASE_URL/);
    expect(() => loadServerEnv({ APP_ROLE: 'gateways' })).toThrow(/APP_ROLE/);
    expect(loadServerEnv({ APP_ROLE: 'gateway', DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }).APP_ROLE).toBe('gateway');
  });

  it('reads trusted reverse proxies as a list of addresses and ranges, and refuses anything else', () => {
    expect(loadServerEnv({}).TRUSTED_PROXIES).toBeUndefined();
    expect(loadServerEnv({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8' }).TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    for (const bad of ['proxy.internal', '10.0.0.0/8,*', '300.1.1.1', '10.0.0.1/abc']) {
      expect(() => loadServerEnv({ TRUSTED_PROXIES: bad }), bad).toThrow(/TRUSTED_PROXIES/);
    }
  });
});

describe('error mapping', () => {
  it.each([
    ['BAD_REQUEST', 400],
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['PAYMENT_REQUIRED', 402],
    ['UNPROCESSABLE_CONTENT', 422],
    ['TOO_MANY_REQUESTS', 429],
    ['SERVICE_UNAVAILABLE', 503],
  ] as const)('maps %s to HTTP %i with its reason', (code, status) => {
    const r = toRestError(new AppError(code, 'Readable message', 'some_reason'), 'ref1');
    expect(r).toEqual({ status, body: { error: { code: 'some_reason', message: 'Readable message' } } });
    expect(toTRPCError(new AppError(code, 'm')).code).toBe(code);
  });

  it('hides unexpected errors behind a reference', () => {
    const r = toRestError(new Error('connection string postgres://u:secret@h/db failed'), 'abc123');
    expect(r.status).toBe(500);
    expect(r.body.error.message).toBe('Something went wrong (ref abc123)');
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('unwraps AppErrors carried as a TRPCError cause', () => {
    const inner = new AppError('FORBIDDEN', 'Plan required', 'plan_required');
    expect(toRestError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: inner }), 'r').status).toBe(403);
  });
});
