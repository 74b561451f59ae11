import 'server-only';
// Announcements that a workspace's configuration changed (its mode, keys, tiers, plan or runtime tokens)
// or the platform catalog did. Database triggers (migration `gateway`) send them on `byok_config` as part of
// the writing transaction, so every instance hears every change that committed. Caches of that state (the
// gateway's) subscribe here; writers run through `changingConfig`, which answers only once every listening
// instance has heard the change (a notification barrier after the commit), so a change applies to the very
// next call, whichever instance serves it.
import type { Db } from '~/server/db/connect';
import { DEAF, type Listener, listenerFor, whenListening } from '~/server/db/notifications';
import { log } from '~/server/log';

export const CONFIG_CHANNEL = 'byok_config';
/** The payload announcing a change of the platform catalog (any other payload is a workspace id). */
export const CATALOG = '*catalog';
/** How long a writer waits for every instance to hear its change before answering anyway (and logging it). */
const ANNOUNCE_WAIT_MS = 2_000;
const CONNECT_WAIT_MS = 2_000;

export type ConfigSubscriber = {
  /** `scope` is a workspace id, or CATALOG. */
  onChange(scope: string): void;
  /** The listening connection was lost and is back: anything may have changed meanwhile. */
  onReset(): void;
};

class ConfigChanges {
  private readonly listener: Listener;
  private readonly subscribers = new Set<ConfigSubscriber>();

  constructor(db: Db) {
    this.listener = listenerFor(db);
    this.listener.subscribe(CONFIG_CHANNEL, {
      onMessage: (scope) => this.changed(scope),
      onReset: () => {
        for (const s of this.subscribers) s.onReset();
      },
    });
  }

  /** False while changes may be missed (the connection is being re-established): caches must not be trusted. */
  get connected(): boolean {
    return this.listener.connected;
  }

  subscribe(s: ConfigSubscriber): void {
    this.subscribers.add(s);
  }

  changed(scope: string): void {
    for (const s of this.subscribers) s.onChange(scope);
  }

  async write<T>(scope: string, write: () => Promise<T>): Promise<T> {
    // A process's first change (an operator command's, say) waits for its listener, so it can hear it back.
    if (!this.connected && this.listener !== DEAF) await whenListening(this.listener, CONNECT_WAIT_MS);
    const result = await write();
    // This instance forgets at once; the others as soon as they hear it, which the barrier waits for.
    this.changed(scope);
    if (this.connected && !(await this.listener.barrier(ANNOUNCE_WAIT_MS))) log.warn({ scope }, 'a configuration change was not heard by every instance in time');
    return result;
  }
}

const all = new WeakMap<Db, ConfigChanges>();

/** The announcements of this database client's database (one subscription per client, made on first use). */
export function configChangesFor(db: Db): ConfigChanges {
  let c = all.get(db);
  if (!c) all.set(db, (c = new ConfigChanges(db)));
  return c;
}

/**
 * Runs a write that changes a workspace's configuration (or, with CATALOG, the catalog) and answers once
 * every instance has been told: see the top of this file.
 */
export function changingConfig<T>(db: Db, scope: string, write: () => Promise<T>): Promise<T> {
  return configChangesFor(db).write(scope, write);
}
