import 'server-only';
// The one module that writes provider keys and their discovered models: added, inherited, replaced,
// re-probed, flagged by a run or by the vault, used, removed. Each write names the key by its workspace
// and id, and writes its audit row (through the audit module) in the same statement or transaction.
// The key material is sealed here, just before it is stored; the plaintext is never kept.
import { Prisma } from '~/generated/prisma/client';
import type { Tier } from '~/lib/schemas/models';
import type { KeyOutcome, ProviderId } from '~/lib/providers';
import type { Actor } from '~/server/actor';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import { BYOK_PLAN_IDS, requireByokPlan } from '~/server/policy';
import type { DiscoveredModel } from '~/server/providers/adapters';
import { type AuditRecord, auditInsertSql, logAudit, writeAudit } from '~/server/services/audit';
import { labelTaken } from '~/server/services/keys/checks';
import { PRIMARY_LABEL } from '~/server/services/keys/queries';
import { byokTarget, pointTier, revertTiersForKey } from '~/server/services/tiers';
import { sealProviderKey } from '~/server/vault/envelope';
import { FINGERPRINT_VERSION, keyFingerprint } from '~/server/vault/fingerprint';
import { maskKey } from '~/server/vault/mask';
import { reclaimKeySpace } from '~/server/vault/reclaim';
import { changingConfig } from '~/server/db/config-changes';

type Tx = Prisma.TransactionClient;
/** Who writes: the user, and the personal access token they used (audit rows name its prefix). */
type Writer = Pick<Actor, 'id' | 'tokenPrefix'>;
/** A key as its writes name it (the audit row repeats provider and label). */
type KeyRef = { workspaceId: string; keyId: string; provider: string; label: string };

function auditBy(actor: Writer, workspaceId: string) {
  return { workspaceId, actorId: actor.id, actorToken: actor.tokenPrefix } as const;
}

/** A tier pointed at the key in the same write, with the model already checked against the key's models. */
export type TierPoint = { tier: Tier; modelId: string };

export type NewKey = {
  actor: Writer;
  workspaceId: string;
  provider: ProviderId;
  label: string;
  /** The plaintext key, checked by the caller; sealed here. */
  key: string;
  /** What checking the key concluded: `valid` stores it active; anything else (an inherited key whose listing failed) failing. */
  outcome: KeyOutcome;
  /** The key's models; null when they could not be listed. */
  models: DiscoveredModel[] | null;
  point: TierPoint | null;
  /**
   * Write only while the workspace is on a plan that allows keys (it may change while the probe runs).
   * False for the one write that is not a key the workspace's owner adds: a new workspace (on Free)
   * inheriting its creator's default key.
   */
  requireByokPlan: boolean;
  auditOutcome: 'valid' | 'inherited';
  /** When the provider expires it, if the owner noted it. */
  expiresAt?: Date | null;
};

/**
 * Writes a key with its models and its audit row in one statement, so it is atomic without a
 * transaction's extra round trips. The statement writes nothing unless the workspace is still on a BYOK
 * plan (when `requireByokPlan`) and the label is still free. In the same statement, a new `primary` key
 * serves again the tiers left keyless for its provider (the AI config's `api_key: null` keeps Standard on
 * that provider without a key, until a new one is set), and `point` sets a tier to it.
 */
export async function insertKey(db: Db, n: NewKey): Promise<{ id: string; maskedHint: string; modelCount: number; position: number; at: Date }> {
  const id = newId();
  const now = new Date();
  const maskedHint = maskKey(n.key);
  const models = n.models ?? [];
  const status = n.outcome === 'valid' ? 'active' : 'failing';
  const audit: AuditRecord = { ...auditBy(n.actor, n.workspaceId), provider: n.provider, label: n.label, operation: 'key.create', keyId: id, outcome: n.auditOutcome };
  const sealed = await sealProviderKey({ workspaceId: n.workspaceId, provider: n.provider, keyId: id }, n.key);
  // Every key write answers once the gateways of all instances know of it (db/config-changes.ts).
  const [row] = await changingConfig(db, n.workspaceId, () => db.$queryRaw<{ plan: string | null; labelFree: boolean; written: boolean; modelCount: number; position: number | null }[]>`
    WITH ws AS (
      SELECT plan FROM workspace WHERE id = ${n.workspaceId}
    ), free AS (
      SELECT 1 FROM ws WHERE (${!n.requireByokPlan} OR plan = ANY(${BYOK_PLAN_IDS}::text[])) AND NOT EXISTS (
        SELECT 1 FROM provider_key WHERE "workspaceId" = ${n.workspaceId} AND provider = ${n.provider} AND label = ${n.label})
    ), k AS (
      INSERT INTO provider_key (id, "workspaceId", provider, label, "maskedHint", fingerprint, "fpVersion", "formatVersion", alg,
                                "kekVersion", "dekNonce", "wrappedDek", "dekTag", nonce, ciphertext, tag, status, "lastOutcome",
                                "lastValidatedAt", "modelsRefreshedAt", "createdById", "createdAt", "updatedAt", "expiresAt", position)
      SELECT ${id}, ${n.workspaceId}, ${n.provider}, ${n.label}, ${maskedHint}, ${keyFingerprint(n.key)}, ${FINGERPRINT_VERSION},
             ${sealed.formatVersion}, ${sealed.alg}, ${sealed.kekVersion}, ${sealed.dekNonce}, ${sealed.wrappedDek}, ${sealed.dekTag},
             ${sealed.nonce}, ${sealed.ciphertext}, ${sealed.tag}, ${status}, ${n.outcome}, ${now}, ${n.models ? now : null},
             ${n.actor.id}, ${now}, ${now}, ${n.expiresAt ?? null},
             -- a new key goes last in its provider's failover order
             (SELECT coalesce(max(position) + 1, 0) FROM provider_key WHERE "workspaceId" = ${n.workspaceId} AND provider = ${n.provider})
      FROM free
      ON CONFLICT ("workspaceId", provider, label) DO NOTHING
      RETURNING id, position
    ), m AS (
      INSERT INTO discovered_model ("keyId", "modelId", "displayName", "contextWindow", "refreshedAt")
      SELECT k.id, x."modelId", x."displayName", x."contextWindow", ${now}
      FROM k CROSS JOIN unnest(${models.map((m) => m.id)}::text[], ${models.map((m) => m.displayName)}::text[],
                               ${models.map((m) => m.contextWindow ?? null)}::int[]) AS x("modelId", "displayName", "contextWindow")
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), rebound AS (
      UPDATE tier_default t SET "keyId" = k.id, "updatedAt" = ${now}
      FROM k
      WHERE ${n.label} = ${PRIMARY_LABEL} AND t."workspaceId" = ${n.workspaceId} AND t.source = 'byok' AND t.provider = ${n.provider}
        AND t."keyId" IS NULL AND t.tier <> ${n.point?.tier ?? ''}
      RETURNING 1
    ), pointed AS (
      INSERT INTO tier_default ("workspaceId", tier, source, "platformModelId", provider, "modelId", "keyId", "updatedAt")
      SELECT ${n.workspaceId}, ${n.point?.tier ?? ''}, 'byok', NULL, ${n.provider}, ${n.point?.modelId ?? ''}, k.id, ${now}
      FROM k WHERE ${n.point !== null}
      ON CONFLICT ("workspaceId", tier) DO UPDATE SET source = 'byok', "platformModelId" = NULL, provider = EXCLUDED.provider,
        "modelId" = EXCLUDED."modelId", "keyId" = EXCLUDED."keyId", "updatedAt" = EXCLUDED."updatedAt"
      RETURNING 1
    ), a AS (${auditInsertSql(audit, Prisma.raw('k'))})
    SELECT (SELECT plan FROM ws) AS plan, EXISTS (SELECT 1 FROM free) AS "labelFree",
           EXISTS (SELECT 1 FROM k) AS written, (SELECT count(*) FROM m)::int AS "modelCount", (SELECT position FROM k) AS position`);
  const r = row!;
  if (r.plan === null) throw notFound('Workspace not found');
  if (n.requireByokPlan) requireByokPlan(r.plan);
  // A free label, yet nothing written: a concurrent add took the label first.
  if (!r.labelFree || !r.written) throw labelTaken(n.label);
  logAudit(audit);
  return { id, maskedHint, modelCount: r.modelCount, position: r.position ?? 0, at: now };
}

async function storeModels(tx: Tx, keyId: string, models: DiscoveredModel[], now: Date): Promise<void> {
  // Upsert what the provider listed; flag (do not silently keep) what disappeared.
  for (const m of models) {
    await tx.discoveredModel.upsert({
      where: { keyId_modelId: { keyId, modelId: m.id } },
      create: { keyId, modelId: m.id, displayName: m.displayName, contextWindow: m.contextWindow, refreshedAt: now },
      update: { displayName: m.displayName, contextWindow: m.contextWindow, available: true, refreshedAt: now },
    });
  }
  await tx.discoveredModel.updateMany({
    where: { keyId, modelId: { notIn: models.map((m) => m.id) } },
    data: { available: false, refreshedAt: now },
  });
}

/**
 * A new key (already probed) under an existing key's label, its models and `point` swapped in one
 * transaction that re-checks the plan; then the replaced ciphertext is reclaimed from the files.
 */
export async function replaceKeyMaterial(
  db: Db,
  r: KeyRef & { actor: Writer; key: string; models: DiscoveredModel[]; point: TierPoint | null; operation?: 'key.replace' | 'key.rotate' },
): Promise<void> {
  const now = new Date();
  const sealed = await sealProviderKey({ workspaceId: r.workspaceId, provider: r.provider, keyId: r.keyId }, r.key);
  await changingConfig(db, r.workspaceId, () => db.$transaction(async (tx) => {
    const current = await tx.workspace.findUniqueOrThrow({ where: { id: r.workspaceId }, select: { plan: true } });
    requireByokPlan(current.plan);
    const updated = await tx.providerKey.updateMany({
      where: { id: r.keyId, workspaceId: r.workspaceId },
      data: {
        ...sealed,
        maskedHint: maskKey(r.key),
        fingerprint: keyFingerprint(r.key),
        fpVersion: FINGERPRINT_VERSION,
        status: 'active',
        lastOutcome: 'valid',
        lastValidatedAt: now,
        modelsRefreshedAt: now,
      },
    });
    if (updated.count !== 1) throw notFound('Key not found');
    await storeModels(tx, r.keyId, r.models, now);
    if (r.point) await pointTier(tx, r.workspaceId, r.point.tier, byokTarget({ provider: r.provider, modelId: r.point.modelId, keyId: r.keyId }));
    await writeAudit(tx, { ...auditBy(r.actor, r.workspaceId), keyId: r.keyId, provider: r.provider, label: r.label, operation: r.operation ?? 'key.replace', outcome: 'valid' });
  }));
  await reclaimKeySpace(db); // the replaced ciphertext leaves the files too
}

/** A stored key's re-probe: a rejected key is marked failing; a working one refreshes its models. */
export async function recordProbe(
  db: Db,
  r: KeyRef & { actor: Writer; outcome: KeyOutcome; models: DiscoveredModel[] | null },
): Promise<void> {
  const now = new Date();
  const transient = r.outcome === 'rate_limited' || r.outcome === 'provider_unavailable';
  await db.$transaction(async (tx) => {
    await tx.providerKey.updateMany({
      where: { id: r.keyId, workspaceId: r.workspaceId },
      data: {
        lastOutcome: r.outcome,
        ...(transient ? {} : { lastValidatedAt: now, status: r.outcome === 'valid' ? 'active' : 'failing' }),
        ...(r.outcome === 'valid' ? { modelsRefreshedAt: now } : {}),
      },
    });
    if (r.outcome === 'valid' && r.models) await storeModels(tx, r.keyId, r.models, now);
    await writeAudit(tx, { ...auditBy(r.actor, r.workspaceId), keyId: r.keyId, provider: r.provider, label: r.label, operation: 'key.verify', outcome: r.outcome });
  });
}

/**
 * Deletes the key (ciphertext and its own data key included) with its audit row, inside the caller's
 * transaction. Tier defaults that used it revert to their platform defaults (PRODUCT.md M4), except
 * `keepTiers` (the AI config's `api_key: null` keeps Standard on the provider, keyless). The caller
 * reclaims the space after commit (reclaimKeySpace).
 */
export async function deleteKeyInTx(tx: Tx, r: Omit<KeyRef, 'keyId'> & { id: string; actor: Writer; keepTiers?: Tier[] }): Promise<Tier[]> {
  const reverted = await revertTiersForKey(tx, r.workspaceId, r.id, r.keepTiers ?? []);
  const deleted = await tx.providerKey.deleteMany({ where: { id: r.id, workspaceId: r.workspaceId } });
  if (deleted.count !== 1) throw notFound('Key not found');
  await writeAudit(tx, { ...auditBy(r.actor, r.workspaceId), keyId: r.id, provider: r.provider, label: r.label, operation: 'key.remove', outcome: null });
  return reverted;
}

/** Deletes the key in one transaction, then reclaims the deleted row's bytes from the database's files. */
export async function deleteKey(db: Db, r: Omit<KeyRef, 'keyId'> & { id: string; actor: Writer }): Promise<Tier[]> {
  const reverted = await changingConfig(db, r.workspaceId, () => db.$transaction((tx) => deleteKeyInTx(tx, r)));
  await reclaimKeySpace(db);
  return reverted;
}

/**
 * Pauses or resumes a key: a paused key serves nothing (runs and gateway calls treat it as missing, under
 * the fallback policy) until resumed. Announced like any key write, so every instance stops using it on
 * its next call. Returns false (and writes nothing) when the key already was in that state.
 */
export async function setKeyPaused(db: Db, r: KeyRef & { actor: Writer; paused: boolean }): Promise<boolean> {
  const now = new Date();
  return changingConfig(db, r.workspaceId, () => db.$transaction(async (tx) => {
    const updated = await tx.providerKey.updateMany({
      where: { id: r.keyId, workspaceId: r.workspaceId, pausedAt: r.paused ? null : { not: null } },
      data: { pausedAt: r.paused ? now : null },
    });
    if (updated.count === 1) {
      await writeAudit(tx, { ...auditBy(r.actor, r.workspaceId), keyId: r.keyId, provider: r.provider, label: r.label, operation: r.paused ? 'key.pause' : 'key.resume', outcome: null });
    }
    return updated.count === 1;
  }));
}

/** Notes (or clears) when the provider expires the key, with its audit row. */
export async function setKeyExpiry(db: Db, r: KeyRef & { actor: Writer; expiresAt: Date | null }): Promise<void> {
  await db.$transaction(async (tx) => {
    const updated = await tx.providerKey.updateMany({ where: { id: r.keyId, workspaceId: r.workspaceId }, data: { expiresAt: r.expiresAt } });
    if (updated.count !== 1) throw notFound('Key not found');
    await writeAudit(tx, {
      ...auditBy(r.actor, r.workspaceId), keyId: r.keyId, provider: r.provider, label: r.label, operation: 'key.expiry',
      outcome: r.expiresAt ? r.expiresAt.toISOString().slice(0, 10) : 'cleared',
    });
  });
}

/**
 * Sets a provider's failover order: `keyIds` must name each of the provider's keys in the workspace once
 * (checked inside the transaction, so a key added meanwhile is not left out silently).
 */
export async function setKeyOrder(db: Db, r: { workspaceId: string; provider: ProviderId; keyIds: string[]; actor: Writer }): Promise<void> {
  await changingConfig(db, r.workspaceId, () => db.$transaction(async (tx) => {
    const keys = await tx.providerKey.findMany({ where: { workspaceId: r.workspaceId, provider: r.provider }, select: { id: true } });
    const wanted = new Set(r.keyIds);
    if (wanted.size !== r.keyIds.length || keys.length !== wanted.size || keys.some((k) => !wanted.has(k.id))) {
      throw new AppError('CONFLICT', 'The order must name each of this provider’s keys once. Reload the page and try again.', 'order_mismatch');
    }
    for (const [position, id] of r.keyIds.entries()) {
      await tx.providerKey.updateMany({ where: { id, workspaceId: r.workspaceId }, data: { position } });
    }
    await writeAudit(tx, { ...auditBy(r.actor, r.workspaceId), keyId: null, provider: r.provider, label: null, operation: 'key.reorder', outcome: null });
  }));
}

/** A run's provider rejected the workspace's key: it shows as failing until an owner replaces or re-verifies it. */
export async function markKeyRejected(db: Db, ref: { workspaceId: string; keyId: string }): Promise<void> {
  await db.providerKey.updateMany({ where: { id: ref.keyId, workspaceId: ref.workspaceId }, data: { status: 'failing', lastOutcome: 'invalid_key' } });
}

/** The vault could not open the key: it must be re-entered; the event is audited (`kind` says why, never how). */
export async function markKeyUnreadable(db: Db, r: KeyRef & { actorId: string; kind: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.providerKey.updateMany({ where: { id: r.keyId, workspaceId: r.workspaceId }, data: { status: 'needs_reentry' } });
    await writeAudit(tx, {
      workspaceId: r.workspaceId, actorId: r.actorId, actorToken: null, keyId: r.keyId, provider: r.provider, label: r.label,
      operation: 'key.decrypt_failed', outcome: r.kind,
    });
  });
}

/** Records a key's use, as a statement of its own or a part of a statement that writes more (a run's). */
export function keyUsedSql(ref: { workspaceId: string; keyId: string }, at: Date): Prisma.Sql {
  return Prisma.sql`UPDATE provider_key SET "lastUsedAt" = ${at}, "updatedAt" = ${at} WHERE id = ${ref.keyId} AND "workspaceId" = ${ref.workspaceId}`;
}
