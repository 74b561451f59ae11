// Operator commands: `npm run admin -- <command> [options]`. See `npm run admin -- help`.
import { parseArgs } from 'node:util';
import { setEnterpriseMonthlyCredits } from '~/server/jobs/scheduled';
import { ZPlan, ZProviderId } from '~/lib/schemas/enums';
import { ZTier } from '~/lib/schemas/models';
import { addCatalogModel, editCatalogModel, listCatalogForOperator } from '~/server/services/catalog';
import { listModelPrices, setModelPrice } from '~/server/services/model-prices';
import { type Db, resolveDbTarget } from '~/server/db/connect';
import { openMigrated } from '~/server/db/startup';
import { ConfigError, loadServerEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { releaseExpiredReservations } from '~/server/services/credits';
import { listUpgradeRequests, resolveUpgradeRequest } from '~/server/services/upgrade-requests';
import { setPlan } from '~/server/services/workspaces';
import { masterKeyVersionsInUse, rewrapDataKeys } from '~/server/vault/envelope';
import { reclaimKeySpace, upgradeAndReclaimKeys } from '~/server/vault/reclaim';
import {
  addSecretManagerVersion,
  disableUnusedSecretVersions,
  keyring,
  MasterKeyUnavailable,
  retireLocalMasterKeys,
  rotateLocalMasterKey,
} from '~/server/vault/keyring';
import { randomBytes } from 'node:crypto';
import { CryptoError } from '~/server/vault/aead';

type Command = { usage: string; summary: string; run(args: string[]): Promise<void> };

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const opened = await openMigrated(resolveDbTarget(loadServerEnv()));
  return fn(opened.db).finally(() => opened.close());
}

const commands: Record<string, Command> = {
  help: {
    usage: 'help',
    summary: 'List the commands.',
    async run() {
      console.log('Usage: npm run admin -- <command> [options]\n');
      for (const c of Object.values(commands)) console.log(`  ${c.usage.padEnd(58)} ${c.summary}`);
    },
  },
  'set-plan': {
    usage: 'set-plan --workspace <slug> --plan <free|pro|ultra|enterprise>',
    summary: "Change a workspace's plan and grant its monthly credits (once per plan and month).",
    async run(args) {
      const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, plan: { type: 'string' } } });
      const plan = ZPlan.safeParse(values.plan);
      if (!values.workspace || !plan.success) throw new UsageError(this.usage);
      const r = await withDb(async (db) => {
        const set = await setPlan(db, { slug: values.workspace!, plan: plan.data });
        return { ...set, closed: await resolveUpgradeRequest(db, set.workspace.id, plan.data) };
      });
      console.log(
        `Workspace ${r.workspace.slug} is now on ${r.workspace.plan}; granted ${r.granted} credits; balance ${r.workspace.creditBalance}.` +
          (r.closed ? ' Its upgrade request is done.' : ''),
      );
    },
  },
  'set-monthly-credits': {
    usage: 'set-monthly-credits --workspace <slug> --credits <n|plan>',
    summary: "An Enterprise workspace's monthly credits from next renewal on (plan: back to the plan's).",
    async run(args) {
      const { values } = parseArgs({ args, options: { workspace: { type: 'string' }, credits: { type: 'string' } } });
      const credits = values.credits === 'plan' ? null : Number(values.credits);
      if (!values.workspace || (credits !== null && !(Number.isInteger(credits) && credits >= 0 && credits <= 100_000_000))) throw new UsageError(this.usage);
      const r = await withDb((db) => setEnterpriseMonthlyCredits(db, { slug: values.workspace!, credits }));
      console.log(`Workspace ${values.workspace} gets ${credits ?? 'its plan’s'} credits a month${r.plan === 'enterprise' ? '' : ' once it is on Enterprise'}.`);
    },
  },
  'upgrade-requests': {
    usage: 'upgrade-requests [--all]',
    summary: 'List the plan upgrades owners asked for (open ones; --all for every request). Grant with set-plan.',
    async run(args) {
      const { values } = parseArgs({ args, options: { all: { type: 'boolean' } } });
      const rows = await withDb((db) => listUpgradeRequests(db, { all: values.all }));
      if (rows.length === 0) {
        console.log(values.all ? 'No upgrade requests yet.' : 'No open upgrade requests.');
        return;
      }
      for (const r of rows) {
        const who = r.requestedBy ? `${r.requestedBy.name} <${r.requestedBy.email}>` : 'a former member';
        console.log(
          `${r.requestedAt.toISOString().slice(0, 16).replace('T', ' ')}  ${r.workspace.slug}  ${r.workspace.plan} → ${r.plan}  ${r.status}  by ${who}` +
            (r.note ? `\n    “${r.note}”` : ''),
        );
      }
      const open = rows.filter((r) => r.status === 'open');
      if (open[0]) console.log(`\nGrant one with: npm run admin -- set-plan --workspace ${open[0].workspace.slug} --plan ${open[0].plan}`);
    },
  },
  'rotate-master-key': {
    usage: 'rotate-master-key',
    summary: 'Add a new master key version (old versions keep decrypting until rewrap has moved every data key).',
    async run() {
      const env = loadServerEnv();
      const ring = await keyring();
      if (ring.source === 'local') {
        const { version } = rotateLocalMasterKey(env.DATA_DIR);
        console.log(`Master key ${version} is now the primary; earlier versions still decrypt.`);
        console.log('Next: npm run admin -- rewrap');
        return;
      }
      if (ring.source === 'secret-manager') {
        const version = await addSecretManagerVersion();
        console.log(`Added version ${version} to the master key secret. Earlier versions still decrypt.`);
        console.log(`  1. Set MASTER_KEY_SECRET_VERSION=${version} on every instance and restart them.`);
        console.log(`  2. npm run admin -- rewrap   (with MASTER_KEY_SECRET_VERSION=${version})`);
        console.log('  3. npm run admin -- retire-master-keys   (disables versions no data key uses)');
        return;
      }
      const next = `k${Math.max(...[...ring.keys.keys()].map((v) => Number(v.slice(1)))) + 1}`;
      console.log('The master keys come from MASTER_KEYS. To rotate:');
      console.log(`  1. Add this entry to MASTER_KEYS on every instance (keep MASTER_KEY_PRIMARY as it is) and restart:`);
      console.log(`       ${next}:${randomBytes(32).toString('base64')}`);
      console.log(`  2. Set MASTER_KEY_PRIMARY=${next} everywhere and restart.`);
      console.log('  3. npm run admin -- rewrap');
      console.log('Store the new value only in your secret store; this output is the only copy.');
    },
  },
  rewrap: {
    usage: 'rewrap',
    summary: 'Re-wrap every data key under the primary master key (idempotent, resumable).',
    async run() {
      const { upgrade, r } = await withDb(async (db) => {
        const upgrade = await upgradeAndReclaimKeys(db);
        const r = await rewrapDataKeys(db);
        // The rows' older versions (wrapped by the versions about to be retired) leave the files too.
        await reclaimKeySpace(db);
        return { upgrade, r };
      });
      if (upgrade.upgraded) console.log(`Re-sealed ${upgrade.upgraded} key(s) stored before per-key data keys.`);
      console.log(`Re-wrapped ${r.rewrapped} data key(s); ${r.remaining} remain on older versions.`);
      if (r.unreadable || upgrade.unreadable) {
        console.error(`${r.unreadable + upgrade.unreadable} key(s) could not be opened with the configured master keys; they were left as they are.`);
        process.exitCode = 1;
      }
    },
  },
  'retire-master-keys': {
    usage: 'retire-master-keys',
    summary: 'Remove (key file) or disable (Secret Manager) master key versions no data key uses any more.',
    async run() {
      const env = loadServerEnv();
      const { source } = await keyring();
      if (source === 'env') {
        console.log('With MASTER_KEYS, remove unused versions from the variable yourself once rewrap reports 0 remaining.');
        return;
      }
      const inUse = await withDb((db) => masterKeyVersionsInUse(db));
      const removed =
        source === 'local' ? retireLocalMasterKeys(env.DATA_DIR, inUse) : (await disableUnusedSecretVersions(inUse)).map((n) => `version ${n}`);
      const verb = source === 'local' ? 'Removed' : 'Disabled';
      console.log(removed.length ? `${verb} master key ${removed.join(', ')}.` : 'Every older master key version is still in use.');
    },
  },
  catalog: {
    usage: 'catalog <list | add | set | prices | price> [options]',
    summary: 'Show or edit the platform model catalog and the usage estimate\'s list prices (options: docs/models-and-studio.md, "Models and tiers"; prices: docs/usage.md).',
    async run(args) {
      const [sub, ...rest] = args;
      const { values } = parseArgs({
        args: rest,
        options: {
          id: { type: 'string' }, provider: { type: 'string' }, model: { type: 'string' }, name: { type: 'string' },
          kind: { type: 'string' }, tiers: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' },
          'per-image': { type: 'string' }, 'default-for': { type: 'string' }, enable: { type: 'boolean' }, disable: { type: 'boolean' },
          'in-usd': { type: 'string' }, 'out-usd': { type: 'string' }, from: { type: 'string' },
        },
      });
      const int = (v: string | undefined) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(this.usage);
        return n;
      };
      const tiers = values.tiers === undefined ? undefined : ZTier.array().safeParse(values.tiers.split(',').filter(Boolean));
      if (tiers && !tiers.success) throw new UsageError(this.usage);
      const defaultFor = values['default-for'] === undefined ? undefined : ZTier.safeParse(values['default-for']);
      if (defaultFor && !defaultFor.success) throw new UsageError(this.usage);
      const edit = {
        displayName: values.name, tiers: tiers?.data, creditsPer1kInput: int(values.in), creditsPer1kOutput: int(values.out),
        creditsPerImage: int(values['per-image']), defaultForTier: defaultFor?.data,
        enabled: values.enable ? true : values.disable ? false : undefined,
      };
      if (sub === 'list') {
        const rows = await withDb((db) => listCatalogForOperator(db));
        for (const m of rows) {
          console.log(
            `${m.enabled ? ' ' : 'x'} ${m.id.padEnd(42)} ${m.kind.padEnd(5)} ${`${m.creditsPer1kInput}/${m.creditsPer1kOutput} per 1K`.padEnd(14)} ${m.kind === 'image' ? `${m.creditsPerImage}/image` : ''} ${m.tiers}${m.defaultForTier ? ` (default: ${m.defaultForTier})` : ''}`,
          );
        }
        return;
      }
      if (sub === 'add') {
        const provider = ZProviderId.safeParse(values.provider);
        const kind = values.kind ?? 'text';
        if (!provider.success || !values.model || (kind !== 'text' && kind !== 'image')) throw new UsageError(this.usage);
        await withDb((db) => addCatalogModel(db, { provider: provider.data, modelId: values.model!, kind, ...edit }));
        console.log(`Added ${provider.data}:${values.model}.`);
        return;
      }
      // List prices for the usage page's estimated provider cost (USD per 1M tokens, from a day on).
      if (sub === 'prices') {
        for (const p of await withDb((db) => listModelPrices(db))) {
          console.log(`${`${p.provider}:${p.modelId}`.padEnd(42)} from ${p.effectiveFrom.toISOString().slice(0, 10)}  $${p.inputUsdPer1M} in / $${p.outputUsdPer1M} out per 1M tokens`);
        }
        return;
      }
      if (sub === 'price') {
        const usd = (v: string | undefined) => (v === undefined || v.trim() === '' ? Number.NaN : Number(v));
        const from = values.from ?? new Date().toISOString().slice(0, 10);
        await withDb((db) => setModelPrice(db, { provider: values.provider as never, modelId: values.model ?? '', inputUsdPer1M: usd(values['in-usd']), outputUsdPer1M: usd(values['out-usd']), effectiveFrom: from }));
        console.log(`Priced ${values.provider}:${values.model} from ${from}.`);
        return;
      }
      if (sub === 'set') {
        if (!values.id) throw new UsageError(this.usage);
        await withDb((db) => editCatalogModel(db, values.id!, edit));
        console.log(`Updated ${values.id}.`);
        return;
      }
      throw new UsageError(`${this.usage}
  catalog list
  catalog add --provider <id> --model <model id> [--name <text>] [--kind text|image] [--tiers fast,standard] [--in N] [--out N] [--per-image N]
  catalog set --id <provider:model> [--name …] [--tiers …] [--in N] [--out N] [--per-image N] [--default-for <tier>] [--enable|--disable]
  catalog prices
  catalog price --provider <id> --model <model id> --in-usd <USD per 1M input tokens> --out-usd <USD per 1M output tokens> [--from YYYY-MM-DD]`);
    },
  },
  'release-expired': {
    usage: 'release-expired',
    summary: 'Release credit reservations whose holder died (also runs at server start).',
    async run() {
      const n = await withDb((db) => releaseExpiredReservations(db));
      console.log(`Released ${n} expired reservation(s).`);
    },
  },
};

class UsageError extends Error {
  constructor(usage: string) {
    super(`Usage: npm run admin -- ${usage}`);
  }
}

async function main() {
  const [given = 'help', ...rest] = process.argv.slice(2);
  // `--help` and `-h` are what people type first.
  const name = given === '--help' || given === '-h' ? 'help' : given;
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name.slice(0, 40)}". Run: npm run admin -- help`);
    process.exit(2);
  }
  try {
    await command.run(rest);
  } catch (e) {
    if (e instanceof MasterKeyUnavailable) {
      console.error(`${e.message} (${e.kind}, master key version ${e.version})`);
      process.exit(1);
    }
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof AppError || e instanceof CryptoError) {
      console.error(e.message);
      process.exit(e instanceof UsageError ? 2 : 1);
    }
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`${e.message}\nUsage: npm run admin -- ${command.usage}`);
      process.exit(2);
    }
    throw e;
  }
}

void main();
