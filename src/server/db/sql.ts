import 'server-only';
// Statements on a run's hot path, sent straight to the database's driver instead of through Prisma's
// query engine. Measured on PostgreSQL (tmp bench, 10 in flight): a Prisma model query costs about
// 530 µs of CPU, a Prisma raw query 210 µs, the same statement on node-postgres 80 µs; a Studio run makes
// about twenty. The statement is still written with Prisma.sql (parameters, never concatenated).
// A transaction's client has no connection of its own here: its statements go through Prisma, inside it.
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { Prisma, type PrismaClient as Db } from '~/generated/prisma/client';

/**
 * `relaxed`: connections that commit without waiting for the disk (`synchronous_commit = off`), for what
 * is a live feed's copy of state kept durably elsewhere (a run's events: its steps and final state are
 * written durably). A PostgreSQL crash can lose its last fraction of a second; an app crash loses nothing.
 */
type Driver = { pool: pg.Pool; relaxed: pg.Pool } | { pglite: PGlite };
const drivers = new WeakMap<Db, Driver>();

/** Registers the driver under a client (db/connect.ts, when it opens one). */
export function registerDriver(db: Db, driver: Driver): void {
  drivers.set(db, driver);
}

// Prisma stores `timestamp(3)` as UTC wall time; both drivers would read it in the process's zone.
const utc = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);
const TIMESTAMP = 1114;
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP ? utc : oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const pgliteOptions = { parsers: { [TIMESTAMP]: utc, [INT8]: Number } };

/** Dates go as ISO text: a `timestamp` column keeps the UTC wall time, as Prisma writes it. */
const param = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/** One statement on the registered driver: its rows and how many rows it changed. */
async function send<T>(driver: Driver, q: Prisma.Sql, relaxed: boolean): Promise<{ rows: T[]; changed: number }> {
  const values = q.values.map(param);
  if ('pool' in driver) {
    const r = await (relaxed ? driver.relaxed : driver.pool).query({ text: q.text, values, types });
    return { rows: r.rows as T[], changed: r.rowCount ?? 0 };
  }
  const r = await driver.pglite.query<T>(q.text, values, pgliteOptions);
  return { rows: r.rows, changed: r.affectedRows ?? 0 };
}

/** The rows of one statement. */
export async function queryRows<T>(db: Db, q: Prisma.Sql): Promise<T[]> {
  const driver = drivers.get(db);
  return driver ? (await send<T>(driver, q, false)).rows : db.$queryRaw<T[]>(q);
}

/** Runs one statement; the number of rows it changed. `relaxed`: committed without waiting for the disk (see Driver). */
export async function execute(db: Db, q: Prisma.Sql, opts: { relaxed?: boolean } = {}): Promise<number> {
  const driver = drivers.get(db);
  return driver ? (await send(driver, q, opts.relaxed ?? false)).changed : db.$executeRaw(q);
}

/** A column list for a statement, from a Prisma `select` (quoted names; the keys are the model's own fields). */
export function columnsOf(select: Record<string, true>): Prisma.Sql {
  return Prisma.raw(Object.keys(select).map((c) => `"${c}"`).join(', '));
}
