// Provider key management (PRODUCT.md K1–K9). Adding a key runs, in this order: plan gate → owner
// check → input and shape check → probe rate limit → probe → one statement that stores the sealed key
// with its discovered models and an audit row. Nothing is written before the probe passes,
// and no response, error or audit row ever carries the key.
import { Prisma } from '~/generated/prisma/client';
import { type KeyDto, ZKeyLabel } from '~/lib/keys';
import { BYOK_PLAN_NAMES, BYOK_PLANS, PLANS, parsePlan } from '~/lib/plans';
import { type KeyOutcome, type ProviderId, outcomeMessage } from '~/lib/providers';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { newId } from '~/server/ids';
import type { DiscoveredModel } from '~/server/providers/adapters';
import { checkKeyFormat } from '~/server/providers/format-check';
import { type ProbeResult, probeKey } from '~/server/providers/probe';
import { type AuditRecord, auditInsertSql, logAudit, writeAudit } from '~/server/services/audit';
import { revertTiersForKey } from '~/server/services/tiers';
import type { Tier } from '~/lib/models';
import { takeProbeSlot } from '~/server/services/probe-limit';
import type { MembershipDto } from '~/server/services/workspaces';
import { decryptProviderKey } from '~/server/vault/decrypt';
import { sealProviderKey } from '~/server/vault/envelope';
import { reclaimKeySpace } from '~/server/vault/reclaim';
import { FINGERPRINT_VERSION, keyFingerprint } from '~/server/vault/fingerprint';
import { maskKey } from '~/server/vault/mask';

type Tx = Prisma.TransactionClient;
/**
 * Who acts: the user, the client address the request came from when known (rate limits), and the
 * personal access token used, if any (audit rows name its prefix).
 */
export type Actor = { id: string; clientIp?: string | null; tokenPrefix?: string | null };

/** The audit fields every key operation shares. */
function auditBy(actor: Actor, workspaceId: string) {
  return { workspaceId, actorId: actor.id, actorToken: actor.tokenPrefix ?? null } as const;
}

/**
 * A tier to point at the key in the same write that stores it (the AI config's "store the key and use it
 * for Standard" is one write). `model` picks the tier's model from the models the probe found.
 */
export type PointTier = { tier: Tier; model: (offered: string[]) => string };

function chosenModel(point: PointTier | undefined, offered: string[]): { tier: Tier; modelId: string } | null {
  if (!point) return null;
  const modelId = point.model(offered);
  assertOffersModel(offered, modelId);
  return { tier: point.tier, modelId };
}

/** The only columns of a key row that ever leave this module: no nonce, ciphertext, tag or fingerprint. */
export const keyDtoSelect = {
  id: true,
  provider: true,
  label: true,
  maskedHint: true,
  status: true,
  lastOutcome: true,
  lastValidatedAt: true,
  lastUsedAt: true,
  modelsRefreshedAt: true,
  createdAt: true,
  createdBy: { select: { name: true } },
  _count: { select: { models: { where: { available: true } } } },
} satisfies Prisma.ProviderKeySelect;

type KeyRow = Prisma.ProviderKeyGetPayload<{ select: typeof keyDtoSelect }>;

function toDto(r: KeyRow): KeyDto {
  return {
    id: r.id,
    provider: r.provider as ProviderId,
    label: r.label,
    maskedHint: r.maskedHint,
    status: r.status as KeyDto['status'],
    lastOutcome: (r.lastOutcome as KeyOutcome | null) ?? null,
    lastValidatedAt: r.lastValidatedAt,
    lastUsedAt: r.lastUsedAt,
    modelsRefreshedAt: r.modelsRefreshedAt,
    modelCount: r._count.models,
    createdAt: r.createdAt,
    createdBy: r.createdBy.name,
    alsoConnectedIn: [],
  };
}

type KeyListRow = Omit<KeyDto, 'provider' | 'status' | 'lastOutcome'> & { provider: string; status: string; lastOutcome: string | null };

/**
 * The API Keys table, in one round trip: each key with its creator, its available model count and the
 * viewer's other workspaces holding the same key (matched by keyed fingerprint, never plaintext).
 * Selects the DTO columns only, as keyDtoSelect does.
 */
export async function listKeys(db: Db, workspaceId: string, viewerId: string): Promise<KeyDto[]> {
  const rows = await db.$queryRaw<KeyListRow[]>`
    SELECT k.id, k.provider, k.label, k."maskedHint", k.status, k."lastOutcome", k."lastValidatedAt", k."lastUsedAt",
           k."modelsRefreshedAt", k."createdAt", u.name AS "createdBy",
           (SELECT count(*)::int FROM discovered_model d WHERE d."keyId" = k.id AND d.available) AS "modelCount",
           ARRAY(SELECT w.name FROM provider_key t
                   JOIN workspace w ON w.id = t."workspaceId"
                   JOIN membership m ON m."workspaceId" = t."workspaceId" AND m."userId" = ${viewerId}
                 WHERE t.fingerprint = k.fingerprint AND t."workspaceId" <> k."workspaceId"
                 ORDER BY w.name) AS "alsoConnectedIn"
    FROM provider_key k JOIN "user" u ON u.id = k."createdById"
    WHERE k."workspaceId" = ${workspaceId}
    ORDER BY k.provider, k."createdAt"`;
  return rows.map((r) => ({
    ...r,
    provider: r.provider as ProviderId,
    status: r.status as KeyDto['status'],
    lastOutcome: (r.lastOutcome as KeyOutcome | null) ?? null,
  }));
}

async function getKeyDto(db: Db | Tx, workspaceId: string, keyId: string): Promise<KeyDto> {
  const row = await db.providerKey.findFirst({ where: { id: keyId, workspaceId }, select: keyDtoSelect });
  if (!row) throw notFound('Key not found');
  return toDto(row);
}

// ---- gates ----

export function assertByokPlan(plan: string): void {
  const p = parsePlan(plan);
  if (!PLANS[p].byok) {
    throw new AppError(
      'FORBIDDEN',
      `Bring-your-own-key is available on the ${BYOK_PLAN_NAMES.join(', ')} plans. This workspace is on ${PLANS[p].name}.`,
      'plan_required',
      { plans: BYOK_PLAN_NAMES },
    );
  }
}

export function assertOwner(ws: Pick<MembershipDto, 'role'>): void {
  if (ws.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the workspace owner can manage API keys.', 'owner_required');
}

function parseLabel(label: string): string {
  const r = ZKeyLabel.safeParse(label);
  if (!r.success) throw new AppError('BAD_REQUEST', r.error.issues[0]?.message ?? 'Invalid label', 'invalid_label');
  return r.data;
}

/** The shape check before any probe: a clear 400 for what cannot be a key, warnings otherwise. */
export function checkedKey(provider: ProviderId, apiKey: string): { key: string; warnings: string[] } {
  const f = checkKeyFormat(provider, apiKey);
  if (!f.ok) throw new AppError('BAD_REQUEST', f.message, 'malformed_key', { outcome: 'malformed_key' });
  return { key: f.key, warnings: f.warnings };
}

/** A failed probe as an error: 422 when the provider refused the key, 503 when it could not be asked. */
export function probeFailure(provider: ProviderId, r: Exclude<ProbeResult, { outcome: 'valid' }>): AppError {
  const transient = r.outcome === 'rate_limited' || r.outcome === 'provider_unavailable';
  return new AppError(
    transient ? 'SERVICE_UNAVAILABLE' : 'UNPROCESSABLE_CONTENT',
    outcomeMessage(r.outcome, provider, r.retryAfterSeconds),
    r.outcome,
    { outcome: r.outcome, retryAfterSeconds: r.retryAfterSeconds },
  );
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

// ---- operations ----

export type AddKeyInput = { provider: ProviderId; label: string; apiKey: string };

/** Refuses, before anything is stored, a key that does not offer `model` (given the key's model ids). */
export function assertOffersModel(modelIds: string[], model: string | undefined) {
  if (model && !modelIds.includes(model)) {
    throw new AppError('BAD_REQUEST', 'The key does not offer that model. Pick one of the models the key can use.', 'model_unavailable', {
      available: modelIds.slice(0, 50),
    });
  }
}

export async function addKey(
  db: Db,
  actor: Actor & { name: string },
  ws: Pick<MembershipDto, 'id' | 'role' | 'plan'>,
  input: AddKeyInput & { requireModel?: string; pointTier?: PointTier },
): Promise<{ key: KeyDto; warnings: string[] }> {
  assertByokPlan(ws.plan);
  assertOwner(ws);
  const label = parseLabel(input.label);
  const { key, warnings } = checkedKey(input.provider, input.apiKey);
  const taken = await db.providerKey.findFirst({
    where: { workspaceId: ws.id, provider: input.provider, label },
    select: { id: true },
  });
  if (taken) throw labelTaken(label);
  await takeProbeSlot(db, { userId: actor.id, workspaceId: ws.id, clientIp: actor.clientIp ?? null });

  const probe = await probeKey(input.provider, key);
  const audit = { ...auditBy(actor, ws.id), provider: input.provider, label } as const;
  if (probe.outcome !== 'valid') {
    await writeAudit(db, { ...audit, operation: 'key.create', keyId: null, outcome: probe.outcome });
    throw probeFailure(input.provider, probe);
  }
  const offered = probe.models.map((m) => m.id);
  assertOffersModel(offered, input.requireModel);
  const point = chosenModel(input.pointTier, offered);

  return { key: await writeNewKey(db, { actor, workspaceId: ws.id, provider: input.provider, label, key, models: probe.models, point }), warnings };
}

/**
 * Writes a probed key with its models and its audit row in one statement, so it is atomic without a
 * transaction's extra round trips. The statement writes nothing unless the workspace is still on a BYOK
 * plan (it may have changed while the probe ran) and the label is still free. In the same statement, a
 * new `primary` key serves again the tiers left keyless for its provider (the AI config's `api_key: null`
 * keeps Standard on that provider without a key, until a new one is set), and `point` sets a tier to it.
 */
async function writeNewKey(
  db: Db,
  n: {
    actor: Actor & { name: string }; workspaceId: string; provider: ProviderId; label: string; key: string; models: DiscoveredModel[];
    point: { tier: Tier; modelId: string } | null;
  },
): Promise<KeyDto> {
  const id = newId();
  const now = new Date();
  const maskedHint = maskKey(n.key);
  const audit: AuditRecord = { ...auditBy(n.actor, n.workspaceId), provider: n.provider, label: n.label, operation: 'key.create', keyId: id, outcome: 'valid' };
  const sealed = await sealProviderKey({ workspaceId: n.workspaceId, provider: n.provider, keyId: id }, n.key);
  const [row] = await db.$queryRaw<{ plan: string | null; labelFree: boolean; written: boolean; modelCount: number }[]>`
    WITH ws AS (
      SELECT plan FROM workspace WHERE id = ${n.workspaceId}
    ), free AS (
      SELECT 1 FROM ws WHERE plan = ANY(${BYOK_PLANS}::text[]) AND NOT EXISTS (
        SELECT 1 FROM provider_key WHERE "workspaceId" = ${n.workspaceId} AND provider = ${n.provider} AND label = ${n.label})
    ), k AS (
      INSERT INTO provider_key (id, "workspaceId", provider, label, "maskedHint", fingerprint, "fpVersion", "formatVersion", alg,
                                "kekVersion", "dekNonce", "wrappedDek", "dekTag", nonce, ciphertext, tag, status, "lastOutcome",
                                "lastValidatedAt", "modelsRefreshedAt", "createdById", "createdAt", "updatedAt")
      SELECT ${id}, ${n.workspaceId}, ${n.provider}, ${n.label}, ${maskedHint}, ${keyFingerprint(n.key)}, ${FINGERPRINT_VERSION},
             ${sealed.formatVersion}, ${sealed.alg}, ${sealed.kekVersion}, ${sealed.dekNonce}, ${sealed.wrappedDek}, ${sealed.dekTag},
             ${sealed.nonce}, ${sealed.ciphertext}, ${sealed.tag}, 'active', 'valid', ${now}, ${now}, ${n.actor.id}, ${now}, ${now}
      FROM free
      ON CONFLICT ("workspaceId", provider, label) DO NOTHING
      RETURNING id
    ), m AS (
      INSERT INTO discovered_model ("keyId", "modelId", "displayName", "contextWindow", "refreshedAt")
      SELECT k.id, x."modelId", x."displayName", x."contextWindow", ${now}
      FROM k CROSS JOIN unnest(${n.models.map((m) => m.id)}::text[], ${n.models.map((m) => m.displayName)}::text[],
                               ${n.models.map((m) => m.contextWindow ?? null)}::int[]) AS x("modelId", "displayName", "contextWindow")
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
           EXISTS (SELECT 1 FROM k) AS written, (SELECT count(*) FROM m)::int AS "modelCount"`;
  const r = row!;
  if (r.plan === null) throw notFound('Workspace not found');
  assertByokPlan(r.plan);
  // A free label, yet nothing written: a concurrent add took the label first.
  if (!r.labelFree || !r.written) throw labelTaken(n.label);
  logAudit(audit);
  return {
    id, provider: n.provider, label: n.label, maskedHint, status: 'active', lastOutcome: 'valid', lastValidatedAt: now, lastUsedAt: null,
    modelsRefreshedAt: now, modelCount: r.modelCount, createdAt: now, createdBy: n.actor.name, alsoConnectedIn: [],
  };
}

function labelTaken(label: string) {
  return new AppError('CONFLICT', `This provider already has a key labelled "${label}". Choose another label, or replace that key.`, 'label_taken');
}

export const PRIMARY_LABEL = 'primary';

export async function ownedKey(db: Db | Tx, workspaceId: string, keyId: string) {
  const row = await db.providerKey.findFirst({
    where: { id: keyId, workspaceId },
    select: { id: true, provider: true, label: true },
  });
  if (!row) throw notFound('Key not found');
  return { ...row, provider: row.provider as ProviderId };
}

/** A new key under an existing label, probed first and swapped atomically. */
export async function replaceKey(
  db: Db,
  actor: Actor,
  ws: Pick<MembershipDto, 'id' | 'role' | 'plan'>,
  input: { keyId: string; apiKey: string; requireModel?: string; pointTier?: PointTier },
): Promise<{ key: KeyDto; warnings: string[] }> {
  assertByokPlan(ws.plan);
  assertOwner(ws);
  const row = await ownedKey(db, ws.id, input.keyId);
  const { key, warnings } = checkedKey(row.provider, input.apiKey);
  await takeProbeSlot(db, { userId: actor.id, workspaceId: ws.id, clientIp: actor.clientIp ?? null });
  const probe = await probeKey(row.provider, key);
  const audit = { ...auditBy(actor, ws.id), provider: row.provider, label: row.label, keyId: row.id } as const;
  if (probe.outcome !== 'valid') {
    await writeAudit(db, { ...audit, operation: 'key.replace', outcome: probe.outcome });
    throw probeFailure(row.provider, probe);
  }
  const offered = probe.models.map((m) => m.id);
  assertOffersModel(offered, input.requireModel);
  const point = chosenModel(input.pointTier, offered);
  const now = new Date();
  const sealed = await sealProviderKey({ workspaceId: ws.id, provider: row.provider, keyId: row.id }, key);
  await db.$transaction(async (tx) => {
    const current = await tx.workspace.findUniqueOrThrow({ where: { id: ws.id }, select: { plan: true } });
    assertByokPlan(current.plan);
    const updated = await tx.providerKey.updateMany({
      where: { id: row.id, workspaceId: ws.id },
      data: {
        ...sealed,
        maskedHint: maskKey(key),
        fingerprint: keyFingerprint(key),
        fpVersion: FINGERPRINT_VERSION,
        status: 'active',
        lastOutcome: 'valid',
        lastValidatedAt: now,
        modelsRefreshedAt: now,
      },
    });
    if (updated.count !== 1) throw notFound('Key not found');
    await storeModels(tx, row.id, probe.models, now);
    if (point) await pointTierAtKey(tx, ws.id, point.tier, { provider: row.provider, modelId: point.modelId, keyId: row.id });
    await writeAudit(tx, { ...audit, operation: 'key.replace', outcome: 'valid' });
  });
  await reclaimKeySpace(db); // the replaced ciphertext leaves the files too
  return { key: await getKeyDto(db, ws.id, row.id), warnings };
}

/** Re-probes a stored key: a rejected key is marked failing; a working one refreshes its models. */
export async function verifyKey(
  db: Db,
  actor: Actor,
  ws: Pick<MembershipDto, 'id' | 'role'>,
  input: { keyId: string },
): Promise<{ key: KeyDto; outcome: KeyOutcome; message: string }> {
  assertOwner(ws);
  const row = await ownedKey(db, ws.id, input.keyId);
  await takeProbeSlot(db, { userId: actor.id, workspaceId: ws.id, clientIp: actor.clientIp ?? null });
  const plaintext = await decryptProviderKey(db, { workspaceId: ws.id, keyId: row.id, actorId: actor.id });
  const probe = await probeKey(row.provider, plaintext);
  const now = new Date();
  const transient = probe.outcome === 'rate_limited' || probe.outcome === 'provider_unavailable';
  await db.$transaction(async (tx) => {
    await tx.providerKey.updateMany({
      where: { id: row.id, workspaceId: ws.id },
      data: {
        lastOutcome: probe.outcome,
        ...(transient ? {} : { lastValidatedAt: now, status: probe.outcome === 'valid' ? 'active' : 'failing' }),
        ...(probe.outcome === 'valid' ? { modelsRefreshedAt: now } : {}),
      },
    });
    if (probe.outcome === 'valid') await storeModels(tx, row.id, probe.models, now);
    await writeAudit(tx, { ...auditBy(actor, ws.id), keyId: row.id, provider: row.provider, label: row.label, operation: 'key.verify', outcome: probe.outcome });
  });
  return {
    key: await getKeyDto(db, ws.id, row.id),
    outcome: probe.outcome,
    message: outcomeMessage(probe.outcome, row.provider, probe.outcome === 'valid' ? null : probe.retryAfterSeconds),
  };
}

/**
 * Deletes the key (ciphertext and its own data key included) at once, with its audit row, in one
 * transaction. Tier defaults that used it revert to their platform defaults in the same transaction
 * (PRODUCT.md M4), except `keepTiers` (the AI config's `api_key: null` keeps Standard on the provider,
 * keyless). Then the deleted row's bytes are reclaimed from the database's files.
 */
export async function removeKey(
  db: Db,
  actor: Actor,
  ws: Pick<MembershipDto, 'id' | 'role'>,
  input: { keyId: string },
): Promise<{ ok: true; revertedTiers: Tier[] }> {
  assertOwner(ws);
  const row = await ownedKey(db, ws.id, input.keyId);
  const revertedTiers = await db.$transaction((tx) => removeKeyInTx(tx, actor, ws.id, row));
  await reclaimKeySpace(db);
  return { ok: true, revertedTiers };
}

/** The removal itself, inside the caller's transaction; the caller reclaims the space after commit. */
export async function removeKeyInTx(
  tx: Tx,
  actor: Actor,
  workspaceId: string,
  row: { id: string; provider: string; label: string },
  opts: { keepTiers?: Tier[] } = {},
): Promise<Tier[]> {
  const reverted = await revertTiersForKey(tx, workspaceId, row.id, opts.keepTiers ?? []);
  const deleted = await tx.providerKey.deleteMany({ where: { id: row.id, workspaceId } });
  if (deleted.count !== 1) throw notFound('Key not found');
  await writeAudit(tx, { ...auditBy(actor, workspaceId), keyId: row.id, provider: row.provider, label: row.label, operation: 'key.remove', outcome: null });
  return reverted;
}

/** Points a tier at a model through one of the workspace's keys (inside the caller's transaction). */
export async function pointTierAtKey(
  tx: Tx,
  workspaceId: string,
  tier: Tier,
  to: { provider: string; modelId: string; keyId: string | null },
): Promise<void> {
  const data = { source: 'byok', platformModelId: null, provider: to.provider, modelId: to.modelId, keyId: to.keyId };
  await tx.tierDefault.upsert({ where: { workspaceId_tier: { workspaceId, tier } }, create: { workspaceId, tier, ...data }, update: data });
}
