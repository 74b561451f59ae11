// The hot path's direct statements (db/sql.ts) agree with Prisma on what they read and write, whatever the
// process's time zone; a transaction's statements stay in the transaction; only what asks for it is
// committed without waiting for the disk.
import { afterEach, expect, it } from 'vitest';
import { Prisma } from '~/generated/prisma/client';
import { execute, queryRows } from '~/server/db/sql';
import { describeEachDb } from '../helpers/db';
import { createUser } from '../helpers/fixtures';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

await describeEachDb('direct statements', (get) => {
  it('reads and writes timestamps as Prisma does, in a process whose zone is not UTC', async () => {
    const { db } = get();
    process.env.TZ = 'America/New_York';
    const user = await createUser(db, 'Zone');
    const written = new Date('2026-06-15T12:34:56.789Z');
    await db.user.update({ where: { id: user.id }, data: { createdAt: written } });
    const [read] = await queryRows<{ createdAt: Date }>(db, Prisma.sql`SELECT "createdAt" FROM "user" WHERE id = ${user.id}`);
    expect(read!.createdAt.toISOString()).toBe(written.toISOString());

    const later = new Date('2026-12-01T23:59:59.001Z');
    expect(await execute(db, Prisma.sql`UPDATE "user" SET "createdAt" = ${later} WHERE id = ${user.id}`)).toBe(1);
    const back = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { createdAt: true } });
    expect(back.createdAt.toISOString()).toBe(later.toISOString());
  });

  it('runs a transaction’s statements inside it (they see its uncommitted rows, and roll back with it)', async () => {
    const { db } = get();
    const user = await createUser(db, 'Tx');
    await expect(
      db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { name: 'Inside' } });
        const [row] = await queryRows<{ name: string }>(tx as typeof db, Prisma.sql`SELECT name FROM "user" WHERE id = ${user.id}`);
        expect(row!.name).toBe('Inside');
        await execute(tx as typeof db, Prisma.sql`UPDATE "user" SET name = 'Also inside' WHERE id = ${user.id}`);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).name).toBe('Tx');
  });

  it('commits without waiting for the disk only when asked (PostgreSQL; the embedded database has one setting)', async () => {
    const t = get();
    const user = await createUser(t.db, 'Commit');
    const setting = async (relaxed: boolean) => {
      await execute(t.db, Prisma.sql`UPDATE "user" SET name = current_setting('synchronous_commit') WHERE id = ${user.id}`, { relaxed });
      return (await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).name;
    };
    expect(await setting(false)).toBe('on');
    expect(await setting(true)).toBe(t.kind === 'postgres' ? 'off' : 'on');
  });
});
