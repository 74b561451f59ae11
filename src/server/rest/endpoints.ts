// The REST API (PRODUCT.md A, seed 001), built over the same services as the tRPC routers.
import type { AiConfig } from '~/lib/ai-config';
import { ZRestAiConfigInput } from '~/lib/rest-schemas';
import type { Db } from '~/server/db/connect';
import { AppError, notFound } from '~/server/errors';
import { readJson, restHandler } from '~/server/rest/handler';
import { getAiConfig, setAiConfig } from '~/server/services/ai-config';
import { platformDefault } from '~/server/services/catalog';
import { getUserAiDefaults, setUserAiDefaults } from '~/server/services/user-defaults';
import { getForMember } from '~/server/services/workspaces';

function toWire(c: AiConfig) {
  return { mode: c.mode, provider: c.provider, model: c.model, has_api_key: c.hasApiKey, api_key_hint: c.apiKeyHint };
}

async function memberWorkspace(db: Db, userId: string, workspaceId: string) {
  // Anything that is not an id of a workspace this user belongs to is simply not found.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(workspaceId)) throw notFound('Workspace not found');
  return getForMember(db, userId, { workspaceId });
}

export function restEndpoints(getDb: () => Db) {
  return {
    getAiConfig: restHandler<{ workspaceId: string }>(getDb, async (_req, { db, user, params }) => {
      const ws = await memberWorkspace(db, user.id, params.workspaceId);
      return toWire(await getAiConfig(db, ws.id));
    }),

    putAiConfig: restHandler<{ workspaceId: string }>(getDb, async (req, { db, user, params }) => {
      const ws = await memberWorkspace(db, user.id, params.workspaceId);
      if (ws.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the workspace owner can change its AI config.', 'owner_required');
      const body = await readJson(req, ZRestAiConfigInput);
      return toWire(await setAiConfig(db, user, ws, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }),

    getAiDefaults: restHandler<Record<string, never>>(getDb, async (_req, { db, user }) => {
      const d = await getUserAiDefaults(db, user.id);
      if (d) return toWire(d);
      // No defaults yet: new workspaces start on the platform's Standard model.
      const std = await platformDefault(db, 'standard');
      return toWire({ mode: 'managed', provider: std.provider, model: std.modelId, hasApiKey: false, apiKeyHint: null });
    }),

    putAiDefaults: restHandler<Record<string, never>>(getDb, async (req, { db, user }) => {
      const body = await readJson(req, ZRestAiConfigInput);
      return toWire(await setUserAiDefaults(db, user.id, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }),
  };
}
