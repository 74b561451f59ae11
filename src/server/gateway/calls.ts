import 'server-only';
// Every gateway call is recorded, off the request's path: records are buffered in memory and written in
// one statement every FLUSH_MS (or sooner when BATCH are waiting), with the runtime tokens' "last used"
// times. A crash of the process loses at most the records of the last FLUSH_MS — never credits: a managed
// call's reservation and charge are written before its answer ends (src/server/services/credits.ts).
import type { Prisma } from '~/generated/prisma/client';
import type { GatewayCallDto } from '~/lib/schemas/gateway';
import type { Db } from '~/server/db/connect';
import { newId } from '~/server/ids';
import { log } from '~/server/log';
import type { WorkspaceScope } from '~/server/services/context';

export const FLUSH_MS = 250;
const BATCH = 500;
// A database that stays unreachable must not grow the buffer without bound: past this, records are dropped
// (and said so in the log).
const MAX_BUFFERED = 20_000;

export type CallRecord = Omit<Prisma.GatewayCallCreateManyInput, 'id' | 'createdAt'>;

class Recorder {
  private buffer: Prisma.GatewayCallCreateManyInput[] = [];
  private used = new Map<string, Date>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Db) {}

  record(r: CallRecord): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      log.error({ dropped: 1 }, 'gateway call records dropped: the database is not keeping up');
      return;
    }
    const at = new Date();
    this.buffer.push({ ...r, id: newId(), createdAt: at });
    if (r.tokenId) this.used.set(r.tokenId, at);
    if (this.buffer.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.buffer;
    const used = this.used;
    this.buffer = [];
    this.used = new Map();
    if (!rows.length) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await insertCalls(this.db, rows);
        // "Last used" is not part of what the gateway caches (its trigger leaves this column out).
        if (used.size) {
          await this.db.$executeRaw`
            UPDATE runtime_token t SET "lastUsedAt" = u.at
            FROM unnest(${[...used.keys()]}::text[], ${[...used.values()]}::timestamp(3)[]) AS u(id, at)
            WHERE t.id = u.id AND (t."lastUsedAt" IS NULL OR t."lastUsedAt" < u.at)`;
        }
      } catch (err) {
        log.error({ err, records: rows.length }, 'gateway call records could not be written');
      }
    });
    return this.flushing;
  }
}

/** One statement for the whole batch (the ORM's createMany costs several times the CPU for the same rows). */
function insertCalls(db: Db, rows: Prisma.GatewayCallCreateManyInput[]) {
  const col = <T>(pick: (r: Prisma.GatewayCallCreateManyInput) => T) => rows.map(pick);
  return db.$executeRaw`
    INSERT INTO gateway_call (id, "workspaceId", "tokenId", provider, operation, model, "credentialSource", "keyId", status, outcome, stream,
                              "inputTokens", "outputTokens", credits, "latencyMs", "firstByteMs", "bytesIn", "bytesOut", "createdAt", "fallbackPolicy")
    SELECT * FROM unnest(
      ${col((r) => r.id)}::text[], ${col((r) => r.workspaceId)}::text[], ${col((r) => r.tokenId ?? null)}::text[], ${col((r) => r.provider)}::text[],
      ${col((r) => r.operation)}::text[], ${col((r) => r.model ?? null)}::text[], ${col((r) => r.credentialSource)}::text[], ${col((r) => r.keyId ?? null)}::text[],
      ${col((r) => r.status)}::int[], ${col((r) => r.outcome ?? null)}::text[], ${col((r) => r.stream ?? false)}::boolean[],
      ${col((r) => r.inputTokens ?? null)}::int[], ${col((r) => r.outputTokens ?? null)}::int[], ${col((r) => r.credits ?? 0)}::int[],
      ${col((r) => r.latencyMs)}::int[], ${col((r) => r.firstByteMs ?? null)}::int[], ${col((r) => r.bytesIn ?? 0)}::int[],
      ${col((r) => r.bytesOut ?? 0)}::int[], ${col((r) => r.createdAt as Date)}::timestamp(3)[], ${col((r) => r.fallbackPolicy ?? null)}::text[]
    )`;
}

const recorders = new WeakMap<Db, Recorder>();
function recorderFor(db: Db): Recorder {
  let r = recorders.get(db);
  if (!r) recorders.set(db, (r = new Recorder(db)));
  return r;
}

export function recordCall(db: Db, r: CallRecord): void {
  recorderFor(db).record(r);
}

/** Writes what is buffered now (shutdown, tests). */
export function flushCalls(db: Db): Promise<void> {
  return recorders.get(db)?.flush() ?? Promise.resolve();
}

/** The workspace's latest calls, newest first, for the Developers page. */
export async function recentCalls({ db, workspace }: WorkspaceScope, limit = 50): Promise<GatewayCallDto[]> {
  const rows = await db.gatewayCall.findMany({
    where: { workspaceId: workspace.id },
    orderBy: { createdAt: 'desc' },
    take: Math.min(Math.max(limit, 1), 200),
    select: {
      id: true, provider: true, operation: true, model: true, credentialSource: true, status: true, outcome: true, stream: true,
      inputTokens: true, outputTokens: true, credits: true, latencyMs: true, tokenId: true, createdAt: true,
    },
  });
  const tokens = await db.runtimeToken.findMany({ where: { id: { in: [...new Set(rows.flatMap((r) => (r.tokenId ? [r.tokenId] : [])))] } }, select: { id: true, prefix: true } });
  const prefixes = new Map(tokens.map((t) => [t.id, t.prefix]));
  return rows.map(({ tokenId, credentialSource, ...r }) => ({
    ...r,
    credentialSource: credentialSource === 'byok' ? 'byok' : 'managed',
    tokenPrefix: tokenId ? (prefixes.get(tokenId) ?? null) : null,
  }));
}
