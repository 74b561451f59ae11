// The REST API (PRODUCT.md A, seed 001), built over the same services as the tRPC routers.
import type { AiConfig } from '~/lib/ai-config';
import { ZRestAiConfigInput } from '~/lib/rest-schemas';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { type LoggedFields, readJson, restHandler } from '~/server/rest/handler';
import { type AiConfigChange, getAiConfig, setAiConfig } from '~/server/services/ai-config';
import { platformDefault } from '~/server/services/catalog';
import { getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';
import { getForMember } from '~/server/services/workspaces';

function toWire(c: AiConfig) {
  return { mode: c.mode, provider: c.provider, model: c.model, has_api_key: c.hasApiKey, api_key_hint: c.apiKeyHint };
}

function changeToWire(c: AiConfigChange) {
  const removed = c.removedKey && { provider: c.removedKey.provider, label: c.removedKey.label, api_key_hint: c.removedKey.apiKeyHint };
  return { ...toWire(c), reverted_tiers: c.revertedTiers, removed_key: removed };
}

async function memberWorkspace(db: Db, userId: string, workspaceId: string) {
  // Anything that is not an id of a workspace this user belongs to is simply not found.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(workspaceId)) throw notFound('Workspace not found');
  return getForMember(db, userId, { workspaceId });
}

// The AI config bodies: mode, provider and model are logged, the key only as set or cleared.
const AI_CONFIG_LOG: LoggedFields = { plain: ['mode', 'provider', 'model'], secret: ['api_key'] };

export function restEndpoints(getDb: () => Db) {
  return {
    getAiConfig: restHandler<{ workspaceId: string }>(getDb, async (_req, { db, actor, params }) => {
      const ws = await memberWorkspace(db, actor.id, params.workspaceId);
      return toWire(await getAiConfig(db, ws.id));
    }),

    putAiConfig: restHandler<{ workspaceId: string }>(getDb, async (req, { db, actor, params }) => {
      const ws = await memberWorkspace(db, actor.id, params.workspaceId);
      if (ws.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the workspace owner can change its AI config.', 'owner_required');
      const body = await readJson(req, ZRestAiConfigInput);
      return changeToWire(await setAiConfig(db, actor, ws, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }, AI_CONFIG_LOG),

    getAiDefaults: restHandler<Record<string, never>>(getDb, async (_req, { db, actor }) => {
      const d = await getUserAiDefaults(db, actor.id);
      if (d) return toWire(d);
      // No defaults yet: new workspaces start on the platform's Standard model.
      const std = await platformDefault(db, 'standard');
      return toWire({ mode: 'managed', provider: std.provider, model: std.modelId, hasApiKey: false, apiKeyHint: null });
    }),

    putAiDefaults: restHandler<Record<string, never>>(getDb, async (req, { db, actor }) => {
      const body = await readJson(req, ZRestAiConfigInput);
      return toWire(await setUserAiDefaults(db, actor, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }, AI_CONFIG_LOG),
  };
}
