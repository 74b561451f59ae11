// Seeds accounts before the server starts (the embedded database is single-process):
//   npm run seed -- demo   a demo owner on Pro (used by `npm run demo`), and a fresh runtime token for
//                          its workspace with a gateway call to try, printed once
//   npm run seed -- e2e    the accounts the browser tests sign in with
// Accounts are created the way sign-up creates them: a scrypt password hash from the auth library,
// a personal workspace, and then the plan. Re-running skips accounts that exist.
import { hashPassword } from 'better-auth/crypto';
import { envLines, exports, snippet } from '~/lib/gateway-snippets';
import type { Plan } from '~/lib/plans';
import { type Db, resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { loadServerEnv } from '~/server/env';
import { newId } from '~/server/ids';
import { createRuntimeToken } from '~/server/services/runtime-tokens';
import { ensurePersonalWorkspace, listForUser, setPlan } from '~/server/services/workspaces';

type Spec = { email: string; name: string; password: string; plan: Plan; memberOf?: string };

const PRESETS: Record<string, Spec[]> = {
  demo: [{ email: 'demo@example.com', name: 'Demo Owner', password: 'demo-password', plan: 'pro' }],
  e2e: [
    ...['keys', 'fail', 'member', 'leak', 'models', 'defaults', 'rest', 'studio', 'fallback', 'ux', 'kbd', 'shots', 'gateway', 'runs', 'usage', 'keyctl', 'keyexp', 'caps'].map((n) => ({
      email: `owner-${n}@e2e.test`, name: `Owner ${n}`, password: 'e2e-password', plan: 'pro' as Plan,
    })),
    { email: 'member@e2e.test', name: 'Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-member@e2e.test' },
    { email: 'free@e2e.test', name: 'Free Owner', password: 'e2e-password', plan: 'free' },
    { email: 'free-ux@e2e.test', name: 'Free Owner', password: 'e2e-password', plan: 'free' },
    { email: 'member-ux@e2e.test', name: 'UX Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-ux@e2e.test' },
    { email: 'member-rest@e2e.test', name: 'REST Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-rest@e2e.test' },
    { email: 'member-models@e2e.test', name: 'Models Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-models@e2e.test' },
    { email: 'member-caps@e2e.test', name: 'Caps Member', password: 'e2e-password', plan: 'free', memberOf: 'owner-caps@e2e.test' },
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
/** The demo's gateway example: a new runtime token (earlier demo tokens are revoked) and a call to paste. */
async function gatewayExample(db: Db, email: string, origin: string) {
  const user = await db.user.findUniqueOrThrow({ where: { email } });
  const [ws] = await listForUser({ db, actor: user });
  await db.runtimeToken.updateMany({ where: { workspaceId: ws!.id, label: 'demo', revokedAt: null }, data: { revokedAt: new Date() } });
  const actor = { id: user.id, name: user.name, email: user.email, clientIp: null, tokenPrefix: null, sessionId: null };
  const { token } = await createRuntimeToken({ db, actor, workspace: ws! }, { label: 'demo' });
  console.log(`\nTry the workspace's AI gateway once the app is up (a runtime token for it, shown only now):\n`);
  console.log(exports(envLines('openai', origin, token)));
  console.log(snippet('openai', 'curl'));
}

const env = loadServerEnv();
const opened = await openMigrated(resolveDbTarget(env));
await seed(opened.db, specs)
  .then(() => (preset === 'demo' ? gatewayExample(opened.db, specs[0]!.email, env.APP_URL) : undefined))
  .finally(() => opened.close());
