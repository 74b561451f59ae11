// Operator commands: `npm run admin -- <command> [options]`. See `npm run admin -- help`.
import { parseArgs } from 'node:util';
import { ZPlan } from '~/lib/plans';
import { openDatabase, resolveDbTarget } from '~/server/db/connect';
import { ConfigError, loadServerEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import { releaseExpiredReservations } from '~/server/services/credits';
import { setPlan } from '~/server/services/workspaces';

type Command = { usage: string; summary: string; run(args: string[]): Promise<void> };

function withDb<T>(fn: (db: ReturnType<typeof openDatabase>['db']) => Promise<T>): Promise<T> {
  const opened = openDatabase(resolveDbTarget(loadServerEnv()));
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
      const r = await withDb((db) => setPlan(db, { slug: values.workspace!, plan: plan.data }));
      console.log(
        `Workspace ${r.workspace.slug} is now on ${r.workspace.plan}; granted ${r.granted} credits; balance ${r.workspace.creditBalance}.`,
      );
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
  const [name = 'help', ...rest] = process.argv.slice(2);
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name.slice(0, 40)}". Run: npm run admin -- help`);
    process.exit(2);
  }
  try {
    await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof AppError) {
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
