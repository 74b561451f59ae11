import 'server-only';
// The billing side of a run: its reservations, owned by one object so that no path can strand one.
import type { Db } from '~/server/db/connect';
import { log } from '~/server/log';
import { release, reserve, settle } from '~/server/services/credits';

/**
 * The reservations of one unit of work (a run). It records every reservation it makes, so a single
 * `releaseAll` in the unit's `finally` returns whatever is still held, whichever path failed: nothing
 * that goes wrong after a reservation can strand it. Settled and released reservations are forgotten.
 */
export class RunLedger {
  private readonly held = new Set<string>();

  constructor(
    private readonly db: Db,
    readonly workspaceId: string,
    /** The member whose run it is: their monthly cap applies (required, so no reservation can skip it). */
    private readonly memberId: string | null,
  ) {}

  async reserve(amount: number, purpose: string): Promise<string> {
    const r = await reserve(this.db, { workspaceId: this.workspaceId, amount, purpose, memberId: this.memberId });
    this.held.add(r.id);
    return r.id;
  }

  /** Takes over reservations made earlier (a queued run's, made when it was created), by id. */
  adopt(reservationIds: (string | null | undefined)[]): this {
    for (const id of reservationIds) if (id) this.held.add(id);
    return this;
  }

  /** Settles at the actual cost; returns what was charged. */
  async settle(reservationId: string, actual: number): Promise<number> {
    const { charged } = await settle(this.db, { workspaceId: this.workspaceId, reservationId, actual });
    this.held.delete(reservationId);
    return charged;
  }

  async release(reservationId: string): Promise<void> {
    await release(this.db, { workspaceId: this.workspaceId, reservationId });
    this.held.delete(reservationId);
  }

  /** Releases everything still held. Never throws: a release that fails is logged, and the expiry sweep returns it later. */
  async releaseAll(): Promise<void> {
    for (const reservationId of [...this.held]) {
      try {
        await this.release(reservationId);
      } catch (err) {
        log.error({ err, workspaceId: this.workspaceId, reservationId }, 'reservation could not be released; the expiry sweep will');
      }
    }
  }
}
