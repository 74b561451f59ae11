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

export function callerFor(db: Db, user: TestUser | null) {
  return createCaller(createInnerContext({ db, user: user && { id: user.id, name: user.name, email: user.email } }));
}
