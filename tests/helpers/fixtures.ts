import { createCaller } from '~/server/api/root';
import { createInnerContext } from '~/server/api/trpc';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { type MembershipDto, ensurePersonalWorkspace, listForUser } from '~/server/services/workspaces';

export type TestUser = { id: string; name: string; email: string };

/** A user as the auth library would create it, with the personal workspace sign-up gives them. */
export async function createUser(db: Db, name = 'User'): Promise<TestUser & { workspace: MembershipDto }> {
  const id = newId();
  const email = `${name.toLowerCase().replace(/\W+/g, '')}-${id.slice(0, 8).toLowerCase()}@example.test`;
  await db.user.create({ data: { id, name, email } });
  await ensurePersonalWorkspace(db, { id, name });
  const [workspace] = await listForUser(db, id);
  return { id, name, email, workspace: workspace! };
}

export function callerFor(db: Db, user: TestUser | null, opts: { clientIp?: string } = {}) {
  return createCaller(createInnerContext({ db, user: user && { id: user.id, name: user.name, email: user.email }, clientIp: opts.clientIp }));
}

export async function setWorkspacePlan(db: Db, workspaceId: string, plan: 'free' | 'pro' | 'ultra' | 'enterprise') {
  await db.workspace.update({ where: { id: workspaceId }, data: { plan } });
}

/** An owner on Pro plus a member of the same workspace. */
export async function proWorkspace(db: Db, name = 'Pro') {
  const owner = await createUser(db, `${name} Owner`);
  await setWorkspacePlan(db, owner.workspace.id, 'pro');
  const member = await createUser(db, `${name} Member`);
  await db.membership.create({ data: { workspaceId: owner.workspace.id, userId: member.id, role: 'member' } });
  return { owner, member, workspaceId: owner.workspace.id };
}

/** Every row of every table, as text, except the columns that hold ciphertext. */
export async function dumpDatabaseText(db: Db): Promise<string> {
  const tables = await db.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const secretColumns = new Set(['ciphertext', 'wrappedKey', 'wrappedDek']);
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table_name}"`);
    for (const row of rows) {
      for (const [col, v] of Object.entries(row)) {
        if (secretColumns.has(col)) continue;
        parts.push(`${table_name}.${col}=${v instanceof Uint8Array ? Buffer.from(v).toString('hex') + ' ' + Buffer.from(v).toString('latin1') : String(v)}`);
      }
    }
  }
  return parts.join('\n');
}
