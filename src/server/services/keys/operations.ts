import 'server-only';
// Provider key management (PRODUCT.md K1–K9). Adding a key runs, in this order: plan gate → owner
// check → input and shape check → probe rate limit → probe → one statement that stores the sealed key
// with its discovered models and an audit row (keys/writer.ts). Nothing is written before the probe
// passes, and no response, error or audit row ever carries the key.
import type { KeyDto } from '~/lib/schemas/keys';
import type { Tier } from '~/lib/schemas/models';
import { type KeyOutcome, type ProviderId, outcomeMessage } from '~/lib/providers';
import { AppError } from '~/server/errors';
import { requireByokPlan, requireOwner } from '~/server/policy';
import { probeKey } from '~/server/providers/probe';
import { writeAudit } from '~/server/services/audit';
import type { WorkspaceCtx } from '~/server/services/context';
import { assertOffersModel, checkedKey, chosenModel, labelTaken, parseLabel, type PointTier, probeFailure } from '~/server/services/keys/checks';
import { getKeyDto, ownedKey } from '~/server/services/keys/queries';
import { deleteKey, insertKey, recordProbe, replaceKeyMaterial, setKeyExpiry, setKeyOrder, setKeyPaused } from '~/server/services/keys/writer';
import { takeProbeSlot } from '~/server/services/probe-limit';
import { decryptProviderKey } from '~/server/vault/decrypt';

const KEY_ACTION = 'manage API keys';

type KeyWrite = { key: KeyDto; warnings: string[] };

/** The probe slot of this actor, workspace and client address (PRODUCT.md K8). */
function takeSlot({ db, actor, workspace }: WorkspaceCtx): Promise<void> {
  return takeProbeSlot(db, { userId: actor.id, workspaceId: workspace.id, clientIp: actor.clientIp });
}

export type AddKeyInput = { provider: ProviderId; label: string; apiKey: string; expiresAt?: Date | null };

export async function addKey(
  ctx: WorkspaceCtx,
  input: AddKeyInput & { requireModel?: string; pointTier?: PointTier },
): Promise<KeyWrite> {
  const { db, actor, workspace: ws } = ctx;
  requireByokPlan(ws.plan);
  requireOwner(ws, KEY_ACTION);
  const label = parseLabel(input.label);
  const { key, warnings } = checkedKey(input.provider, input.apiKey);
  const taken = await db.providerKey.findFirst({
    where: { workspaceId: ws.id, provider: input.provider, label },
    select: { id: true },
  });
  if (taken) throw labelTaken(label);
  await takeSlot(ctx);

  const probe = await probeKey(input.provider, key);
  if (probe.outcome !== 'valid') {
    await writeAudit(db, {
      workspaceId: ws.id, actorId: actor.id, actorToken: actor.tokenPrefix, provider: input.provider, label,
      operation: 'key.create', keyId: null, outcome: probe.outcome,
    });
    throw probeFailure(input.provider, probe);
  }
  const offered = probe.models.map((m) => m.id);
  assertOffersModel(offered, input.requireModel);
  const point = chosenModel(input.pointTier, offered);

  const stored = await insertKey(db, {
    actor, workspaceId: ws.id, provider: input.provider, label, key, outcome: 'valid', models: probe.models, point,
    requireByokPlan: true, auditOutcome: 'valid', expiresAt: input.expiresAt ?? null,
  });
  const at = stored.at;
  return {
    key: {
      id: stored.id, provider: input.provider, label, maskedHint: stored.maskedHint, status: 'active', pausedAt: null, position: stored.position, expiresAt: input.expiresAt ?? null, lastOutcome: 'valid', lastValidatedAt: at,
      lastUsedAt: null, modelsRefreshedAt: at, modelCount: stored.modelCount, createdAt: at, createdBy: actor.name, alsoConnectedIn: [],
    },
    warnings,
  };
}

/** The owner's new value for a stored key, checked and probed (Replace and Rotate). */
async function probeNewValue(ctx: WorkspaceCtx, input: { keyId: string; apiKey: string }) {
  const { db, workspace: ws } = ctx;
  requireByokPlan(ws.plan);
  requireOwner(ws, KEY_ACTION);
  const row = await ownedKey(db, ws.id, input.keyId);
  const { key, warnings } = checkedKey(row.provider, input.apiKey);
  await takeSlot(ctx);
  const probe = await probeKey(row.provider, key);
  return { row, key, warnings, probe, ref: { workspaceId: ws.id, keyId: row.id, provider: row.provider, label: row.label } };
}

/** A new key under an existing label, probed first and swapped atomically. */
export async function replaceKey(
  ctx: WorkspaceCtx,
  input: { keyId: string; apiKey: string; requireModel?: string; pointTier?: PointTier },
): Promise<KeyWrite> {
  const { db, actor, workspace: ws } = ctx;
  const { row, key, warnings, probe, ref } = await probeNewValue(ctx, input);
  if (probe.outcome !== 'valid') {
    await writeAudit(db, { ...ref, actorId: actor.id, actorToken: actor.tokenPrefix, operation: 'key.replace', outcome: probe.outcome });
    throw probeFailure(row.provider, probe);
  }
  const offered = probe.models.map((m) => m.id);
  assertOffersModel(offered, input.requireModel);
  const point = chosenModel(input.pointTier, offered);
  await replaceKeyMaterial(db, { ...ref, actor, key, models: probe.models, point });
  return { key: await getKeyDto(db, ws.id, row.id), warnings };
}

/** Re-probes a stored key: a rejected key is marked failing; a working one refreshes its models. */
export async function verifyKey(
  ctx: WorkspaceCtx,
  input: { keyId: string },
): Promise<{ key: KeyDto; outcome: KeyOutcome; message: string }> {
  const { db, actor, workspace: ws } = ctx;
  requireOwner(ws, KEY_ACTION);
  const row = await ownedKey(db, ws.id, input.keyId);
  await takeSlot(ctx);
  const plaintext = await decryptProviderKey(db, { workspaceId: ws.id, keyId: row.id, actorId: actor.id });
  const probe = await probeKey(row.provider, plaintext);
  await recordProbe(db, {
    workspaceId: ws.id, keyId: row.id, provider: row.provider, label: row.label, actor,
    outcome: probe.outcome, models: probe.outcome === 'valid' ? probe.models : null,
  });
  return {
    key: await getKeyDto(db, ws.id, row.id),
    outcome: probe.outcome,
    message: outcomeMessage(probe.outcome, row.provider, probe.outcome === 'valid' ? null : probe.retryAfterSeconds),
  };
}

/**
 * Deletes the key (ciphertext and its own data key included) at once, with its audit row, in one
 * transaction; tier defaults that used it revert to their platform defaults (PRODUCT.md M4). Then the
 * deleted row's bytes are reclaimed from the database's files.
 */
export async function removeKey(ctx: WorkspaceCtx, input: { keyId: string }): Promise<{ ok: true; revertedTiers: Tier[] }> {
  const { db, actor, workspace: ws } = ctx;
  requireOwner(ws, KEY_ACTION);
  const row = await ownedKey(db, ws.id, input.keyId);
  const revertedTiers = await deleteKey(db, { ...row, workspaceId: ws.id, actor });
  return { ok: true, revertedTiers };
}

/**
 * Pauses a key (or resumes it): a paused key serves nothing — runs and gateway calls treat it as missing,
 * under the workspace's fallback policy — until an owner resumes it. Idempotent.
 */
export async function setKeyPausedState(ctx: WorkspaceCtx, input: { keyId: string; paused: boolean }): Promise<KeyDto> {
  const { db, actor, workspace: ws } = ctx;
  requireByokPlan(ws.plan);
  requireOwner(ws, KEY_ACTION);
  const row = await ownedKey(db, ws.id, input.keyId);
  await setKeyPaused(db, { workspaceId: ws.id, keyId: row.id, provider: row.provider, label: row.label, actor, paused: input.paused });
  return getKeyDto(db, ws.id, row.id);
}

/** Sets the order in which a provider's keys are tried (the first serving one first, then the next on failure). */
export async function orderKeys(ctx: WorkspaceCtx, input: { provider: ProviderId; keyIds: string[] }): Promise<{ ok: true }> {
  const { db, actor, workspace: ws } = ctx;
  requireByokPlan(ws.plan);
  requireOwner(ws, KEY_ACTION);
  await setKeyOrder(db, { workspaceId: ws.id, provider: input.provider, keyIds: input.keyIds, actor });
  return { ok: true };
}

/** One key of the workspace, masked (what a REST update without changes answers). */
export function keyFor(ctx: WorkspaceCtx, input: { keyId: string }): Promise<KeyDto> {
  return getKeyDto(ctx.db, ctx.workspace.id, input.keyId);
}

/**
 * Rotation without downtime: the new value is probed first (audited as `key.rotate_probe`, whatever the
 * outcome), then swapped in under the same id and label in one transaction (`key.rotate`). Calls already
 * in flight decrypted the old value before they started and finish on it; the next call decrypts the new
 * one. Tiers, runtime tokens bound to the label, the failover position and a pause all stay as they were.
 */
export async function rotateKey(ctx: WorkspaceCtx, input: { keyId: string; apiKey: string }): Promise<KeyWrite> {
  const { db, actor, workspace: ws } = ctx;
  const { row, key, warnings, probe, ref } = await probeNewValue(ctx, input);
  await writeAudit(db, { ...ref, actorId: actor.id, actorToken: actor.tokenPrefix, operation: 'key.rotate_probe', outcome: probe.outcome });
  if (probe.outcome !== 'valid') throw probeFailure(row.provider, probe);
  // The tiers that use this key keep their models only if the new value still offers them.
  const offered = new Set(probe.models.map((m) => m.id));
  const used = await db.tierDefault.findMany({ where: { workspaceId: ws.id, keyId: row.id }, select: { modelId: true } });
  const lost = used.filter((t) => t.modelId && !offered.has(t.modelId));
  if (lost.length) {
    throw new AppError('UNPROCESSABLE_CONTENT', 'The new key does not offer a model your tier defaults use through this key. Rotate to a key of the same account, or change those defaults first.', 'model_unavailable', {
      missing: [...new Set(lost.map((t) => t.modelId ?? ''))].slice(0, 10),
    });
  }
  await replaceKeyMaterial(db, { ...ref, actor, key, models: probe.models, point: null, operation: 'key.rotate' });
  return { key: await getKeyDto(db, ws.id, row.id), warnings };
}

/** Notes when the provider expires the key (null clears it): shown on the key, and owners are told a week before. */
export async function setKeyExpiryDate(ctx: WorkspaceCtx, input: { keyId: string; expiresAt: Date | null }): Promise<KeyDto> {
  const { db, actor, workspace: ws } = ctx;
  requireByokPlan(ws.plan);
  requireOwner(ws, KEY_ACTION);
  const row = await ownedKey(db, ws.id, input.keyId);
  await setKeyExpiry(db, { workspaceId: ws.id, keyId: row.id, provider: row.provider, label: row.label, actor, expiresAt: input.expiresAt });
  return getKeyDto(db, ws.id, row.id);
}
