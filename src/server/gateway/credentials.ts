import 'server-only';
// Which credential serves a gateway call, resolved per call from the workspace's AI config: `byok` → the
// workspace's key for that provider (its primary, or the label the token is bound to); `managed` → the
// platform's key, on credits. One cached lookup per call: runtime tokens (by their keyed hash, never the
// token), each workspace's plan, mode and keys (sealed — decryption happens per call, no cache ever holds a
// plaintext key) and the platform catalog. Database triggers announce every change on `byok_config`; every
// instance drops what changed on hearing it, and reads straight from the database while its listening
// connection is down, so a change applies to the very next call everywhere.
import { LRUCache } from 'lru-cache';
import type { GatewayProvider } from '~/lib/gateway';
import type { ProviderId } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { CATALOG, configChangesFor } from '~/server/db/config-changes';
import { serverEnv } from '~/server/env';
import { GatewayRefusal } from '~/server/gateway/errors';
import type { PriceKind } from '~/server/gateway/providers';
import { requireByokPlan } from '~/server/policy';
import { platformKey } from '~/server/providers/sdk';
import { findRuntimeToken, type ResolvedRuntimeToken, runtimeTokenCacheKey } from '~/server/services/runtime-tokens';
import type { StoredKey } from '~/server/vault/decrypt';
import type { FallbackPolicy } from '~/lib/schemas/tiers';
import { fallbackAllowed, type KeyFailure, servingOrder, toFallbackPolicy } from '~/server/services/keys/selection';

type WorkspaceState = {
  id: string;
  plan: string;
  mode: 'byok' | 'managed';
  fallbackPolicy: FallbackPolicy;
  /** Each provider's keys in failover order (paused ones included: a refusal says so). */
  keys: Map<string, StoredKey[]>;
};
export type Price = { modelId: string; in: number; out: number; perCall: number; maxOutputTokens: number };

export type Credential =
  | {
      source: 'byok'; token: ResolvedRuntimeToken; workspace: WorkspaceState;
      /** The serving keys to try, in order (at least one). */
      keys: StoredKey[];
      /** The platform's key, when the policy may let credits take over after the keys fail. */
      platformKey: string | null;
    }
  | { source: 'managed' | 'managed_fallback'; token: ResolvedRuntimeToken; workspace: WorkspaceState; apiKey: string; fallbackReason: KeyFailure | null };

const NO_TOKEN = Symbol('no token');

class ConfigCache {
  // A safety net only: invalidation is by announcement (db/config-changes.ts).
  readonly tokens = new LRUCache<string, ResolvedRuntimeToken | typeof NO_TOKEN>({ max: 20_000, ttl: 60_000 });
  readonly workspaces = new LRUCache<string, WorkspaceState>({ max: 10_000, ttl: 60_000 });
  readonly tokensOf = new Map<string, Set<string>>();
  catalog: Promise<Map<string, Price>> | null = null;
  private readonly changes: ReturnType<typeof configChangesFor>;
  // Bumped by every change: a load that began before a change must not cache what it read.
  private generation = 0;

  constructor(db: Db) {
    this.changes = configChangesFor(db);
    this.changes.subscribe({
      onChange: (scope) => (scope === CATALOG ? this.forgetCatalog() : this.forgetWorkspace(scope)),
      onReset: () => this.clear(),
    });
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** False while changes may be missed: then every call reads the database. */
  get trusted(): boolean {
    return this.changes.connected;
  }

  forgetCatalog() {
    this.catalog = null;
  }

  forgetWorkspace(workspaceId: string) {
    this.generation++;
    this.workspaces.delete(workspaceId);
    for (const key of this.tokensOf.get(workspaceId) ?? []) this.tokens.delete(key);
    this.tokensOf.delete(workspaceId);
  }

  clear() {
    this.generation++;
    this.tokens.clear();
    this.workspaces.clear();
    this.tokensOf.clear();
    this.catalog = null;
  }
}

const caches = new WeakMap<Db, ConfigCache>();
function cacheFor(db: Db): ConfigCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new ConfigCache(db)));
  return c;
}

const storedKeySelect = {
  id: true, workspaceId: true, provider: true, label: true, status: true, pausedAt: true, position: true, createdAt: true, formatVersion: true, alg: true,
  dekVersion: true, kekVersion: true, dekNonce: true, wrappedDek: true, dekTag: true, nonce: true, ciphertext: true, tag: true,
} as const;

async function loadWorkspace(db: Db, workspaceId: string): Promise<WorkspaceState | null> {
  const [ws, standard, keys] = await Promise.all([
    db.workspace.findUnique({ where: { id: workspaceId }, select: { id: true, plan: true, fallbackPolicy: true } }),
    db.tierDefault.findUnique({ where: { workspaceId_tier: { workspaceId, tier: 'standard' } }, select: { source: true } }),
    db.providerKey.findMany({ where: { workspaceId }, select: storedKeySelect }),
  ]);
  if (!ws) return null;
  // The mode is the AI config's: Standard through a workspace key is byok (services/ai-config.ts).
  const mode = standard?.source === 'byok' ? 'byok' : 'managed';
  const byProvider = new Map<string, StoredKey[]>();
  for (const k of keys) byProvider.set(k.provider, [...(byProvider.get(k.provider) ?? []), k]);
  for (const list of byProvider.values()) list.sort((a, b) => a.position - b.position || a.createdAt.getTime() - b.createdAt.getTime());
  return { id: ws.id, plan: ws.plan, mode, fallbackPolicy: toFallbackPolicy(ws.fallbackPolicy), keys: byProvider };
}

async function loadCatalog(db: Db): Promise<Map<string, Price>> {
  const rows = await db.platformModel.findMany({
    where: { enabled: true, kind: { in: ['text', 'embedding', 'search'] } },
    select: { provider: true, modelId: true, kind: true, creditsPer1kInput: true, creditsPer1kOutput: true, creditsPerCall: true, maxOutputTokens: true },
  });
  return new Map(
    rows.map((r) => [
      `${r.provider}:${r.kind}:${r.modelId}`,
      { modelId: r.modelId, in: r.creditsPer1kInput, out: r.creditsPer1kOutput, perCall: r.creditsPerCall, maxOutputTokens: r.maxOutputTokens },
    ]),
  );
}

/** The platform's price for a model of this kind (search has one entry per provider), or null. */
export async function platformPrice(db: Db, provider: GatewayProvider, kind: Exclude<PriceKind, null>, modelId: string | null): Promise<Price | null> {
  const cache = cacheFor(db);
  const catalog = cache.trusted ? (cache.catalog ??= loadCatalog(db)) : loadCatalog(db);
  const all = await catalog.catch((e: unknown) => {
    cache.catalog = null;
    throw e;
  });
  if (kind === 'search') return [...all.entries()].find(([k]) => k.startsWith(`${provider}:search:`))?.[1] ?? null;
  return modelId ? (all.get(`${provider}:${kind}:${modelId}`) ?? null) : null;
}

function platformCredential(provider: GatewayProvider): string | undefined {
  return provider === 'brave' ? serverEnv().PLATFORM_BRAVE_API_KEY : platformKey(provider as ProviderId);
}

/** Resolves the credential for one call, or refuses in terms the caller's SDK understands. */
export async function resolveCredential(db: Db, presented: string, provider: GatewayProvider): Promise<Credential> {
  const cache = cacheFor(db);
  const trusted = cache.trusted;
  const tokenKey = runtimeTokenCacheKey(presented);
  let token = trusted ? cache.tokens.get(tokenKey) : undefined;
  if (token === undefined) {
    const generation = cache.currentGeneration;
    token = (await findRuntimeToken(db, presented)) ?? NO_TOKEN;
    // Unknown tokens are remembered briefly too, so guessing costs no database work.
    if (generation === cache.currentGeneration) cache.tokens.set(tokenKey, token, { ttl: token === NO_TOKEN ? 10_000 : undefined });
    if (token !== NO_TOKEN) {
      const set = cache.tokensOf.get(token.workspaceId) ?? new Set();
      set.add(tokenKey);
      cache.tokensOf.set(token.workspaceId, set);
    }
  }
  if (token === NO_TOKEN || (token.expiresAt && token.expiresAt <= new Date())) {
    throw new GatewayRefusal('unauthorized', 'The runtime token is missing, unknown, revoked or expired. Create one under Settings → Developers.', 'invalid_token');
  }
  if (!token.providers.includes(provider)) {
    throw new GatewayRefusal('forbidden', `This runtime token may not call ${provider}. Its owner can create one that may.`, 'provider_not_allowed');
  }

  let workspace = trusted ? cache.workspaces.get(token.workspaceId) : undefined;
  if (!workspace) {
    const generation = cache.currentGeneration;
    const loaded = await loadWorkspace(db, token.workspaceId);
    if (!loaded) throw new GatewayRefusal('unauthorized', 'The runtime token is missing, unknown, revoked or expired.', 'invalid_token');
    workspace = loaded;
    if (generation === cache.currentGeneration) cache.workspaces.set(workspace.id, workspace);
  }

  // Brave Search is managed only; everything else follows the workspace's mode.
  if (workspace.mode === 'byok' && provider !== 'brave') {
    requireByokPlan(workspace.plan);
    // A token bound to a label uses that key alone; otherwise the provider's keys in the owner's order.
    const label = token.keyLabel;
    const candidates = (workspace.keys.get(provider) ?? []).filter((k) => !label || k.label === label);
    const keys = servingOrder(candidates);
    const policy = workspace.fallbackPolicy;
    if (keys.length) return { source: 'byok', token, workspace, keys, platformKey: policy === 'never' ? null : (platformCredential(provider) ?? null) };
    const failure: KeyFailure = candidates.length === 0 ? 'missing' : candidates.some((k) => k.pausedAt) ? 'paused' : 'key_unreadable';
    const platform = fallbackAllowed(policy, failure) ? platformCredential(provider) : undefined;
    if (platform) return { source: 'managed_fallback', token, workspace, apiKey: platform, fallbackReason: failure };
    const named = label ? `labelled "${label}"` : '';
    if (failure === 'missing') {
      throw new GatewayRefusal(
        'forbidden',
        `This workspace uses its own keys and has no ${provider} key ${named}. An owner can add one under Settings → API Keys, or switch the workspace to managed mode.`.replace('  ', ' '),
        'no_key',
      );
    }
    if (failure === 'paused') {
      throw new GatewayRefusal('forbidden', `The workspace’s ${provider} key ${named} is paused. An owner can resume it under Settings → API Keys.`.replace('  ', ' '), 'key_paused');
    }
    throw new GatewayRefusal('unavailable', 'The workspace’s key can no longer be read. An owner should re-enter it under Settings → API Keys.', 'key_unreadable');
  }
  const apiKey = platformCredential(provider);
  if (!apiKey) throw new GatewayRefusal('unavailable', `Platform credits are not available for ${provider} on this server.`, 'no_platform_credential');
  return { source: 'managed', token, workspace, apiKey, fallbackReason: null };
}

/** Drops every cached entry of this database client (tests, and the admin commands' own processes). */
export function forgetGatewayCache(db: Db): void {
  caches.get(db)?.clear();
}
