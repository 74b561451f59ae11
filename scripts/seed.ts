// Seeds accounts before the server starts (the embedded database is single-process):
//   npm run seed -- demo   a demo owner on Pro (used by `npm run demo`)
//   npm run seed -- e2e    the accounts the browser tests sign in with
// Accounts are created the way sign-up creates them: a scrypt password hash from the auth library,
// a personal workspace, and then the plan. Re-running skips accounts that exist.
import { hashPassword } from 'better-auth/crypto';
import type { Plan } from '~/lib/plans';
import { type Db, resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { loadServerEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { ensurePersonalWorkspace, listForUser, setPlan } from '~/server/services/workspaces';

type Spec = { email: string; name: string; password: string; plan: Plan; memberOf?: string };

const PRESETS: Record<string, Spec[]> = {
  demo: [{ email: 'demo@example.com', name: 'Demo Owner', password: 'demo-password', plan: 'pro' }],
  e2e: [
    ...['keys', 'fail', 'member', 'leak', 'models', 'defaults', 'rest', 'studio', 'fallback', 'ux', 'kbd', 'shots'].map((n) => ({
      email: `owner-${n}@e2e.test`, name: `Owner ${n}`, password: 'e2e-password', plan: 'pro' as Plan,
    })),
    { email: 'member@e2e.test', name: 'Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-member@e2e.test' },
    { email: 'free@e2e.test', name: 'Free Owner', password: 'e2e-password', plan: 'free' },
    { email: 'free-ux@e2e.test', name: 'Free Owner', password: 'e2e-password', plan: 'free' },
    { email: 'member-ux@e2e.test', name: 'UX Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-ux@e2e.test' },
    { email: 'member-rest@e2e.test', name: 'REST Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-rest@e2e.test' },
    { email: 'member-models@e2e.test', name: 'Models Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-models@e2e.test' },
  ],
};

async function seed(db: Db, specs: Spec[]) {
  for (const s of specs) {
    let user = await db.user.findUnique({ where: { email: s.email } });
    if (!user) {
      const id = newId();
      user = await db.user.create({ data: { id, email: s.email, name: s.name, emailVerified: true } });
      await db.account.create({
        data: { id: newId(), accountId: id, providerId: 'credential', userId: id, password: await hashPassword(s.password) },
      });
      await ensurePersonalWorkspace(db, { id, name: s.name });
      const [own] = await listForUser({ db, actor: { id } });
      if (own && s.plan !== 'free') await setPlan(db, { slug: own.slug, plan: s.plan });
      console.log(`Seeded ${s.email} (${s.plan}) in workspace ${own?.slug}`);
    }
    if (s.memberOf) {
      const owner = await db.user.findUniqueOrThrow({ where: { email: s.memberOf } });
      const [ws] = await listForUser({ db, actor: owner });
      await db.membership.upsert({
        where: { workspaceId_userId: { workspaceId: ws!.id, userId: user.id } },
        create: { workspaceId: ws!.id, userId: user.id, role: 'member' },
        update: {},
      });
    }
  }
}

const preset = process.argv[2] ?? '';
const specs = PRESETS[preset];
if (!specs) {
  console.error(`usage: npm run seed -- <${Object.keys(PRESETS).join('|')}>`);
  process.exit(2);
}
const opened = await openMigrated(resolveDbTarget(loadServerEnv()));
await seed(opened.db, specs).finally(() => opened.close());
