// Watches a workspace's credits while a race runs: what the database holds at each instant, read in one
// statement (one snapshot), so an invariant broken only between two commits is still caught.
import type { Db } from '~/server/db/connect';

export type CreditSample = { balance: number; ledger: number; granted: number; held: number; charged: number };

/** Samples until `stop()`, which returns the samples that break an invariant, and how many were taken. */
export function watchCredits(db: Db, workspaceId: string) {
  const samples: CreditSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const [row] = await db.$queryRaw<CreditSample[]>`
        SELECT w."creditBalance" AS balance,
               (SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE "workspaceId" = w.id)::int AS ledger,
               (SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE "workspaceId" = w.id AND kind = 'grant')::int AS granted,
               (SELECT COALESCE(SUM(amount), 0) FROM credit_reservation WHERE "workspaceId" = w.id AND status = 'held')::int AS held,
               (SELECT COALESCE(SUM(charged), 0) FROM credit_reservation WHERE "workspaceId" = w.id AND status = 'settled')::int AS charged
        FROM workspace w WHERE w.id = ${workspaceId}`;
      samples.push(row!);
    }
  })();
  return {
    /**
     * The invariants: never below zero, the balance equals the ledger's sum, and what is missing from the
     * credits granted is exactly what is held plus what was charged.
     */
    async stop(): Promise<{ count: number; broken: CreditSample[] }> {
      running = false;
      await loop;
      return { count: samples.length, broken: samples.filter((s) => s.balance < 0 || s.ledger !== s.balance || s.balance !== s.granted - s.held - s.charged) };
    },
  };
}

/** A small deterministic generator (mulberry32), so a race makes the same choices on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
