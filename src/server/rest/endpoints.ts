import 'server-only';
// The REST API (PRODUCT.md A, seed 001), built over the same services as the tRPC routers.
import type { AiConfig } from '~/lib/schemas/ai-config';
import { ZRestAiConfigInput } from '~/lib/schemas/rest';
import { isId } from '~/lib/schemas/ids';
import type { Db } from '~/server/db/connect';
import type { Ctx, WorkspaceCtx } from '~/server/services/context';
import { notFound } from '~/server/errors';
import { requireOwner } from '~/server/policy';
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

/** The same context a workspace procedure has: the token's actor and their membership of the workspace. */
async function workspaceCtx(ctx: Ctx, workspaceId: string): Promise<WorkspaceCtx> {
  // Anything that is not an id of a workspace this user belongs to is simply not found.
  if (!isId(workspaceId)) throw notFound('Workspace not found');
  return { ...ctx, workspace: await getForMember(ctx, { workspaceId }) };
}

// The AI config bodies: mode, provider and model are logged, the key only as set or cleared.
const AI_CONFIG_LOG: LoggedFields = { plain: ['mode', 'provider', 'model'], secret: ['api_key'] };

export function restEndpoints(getDb: () => Db) {
  return {
    getAiConfig: restHandler<{ workspaceId: string }>(getDb, async (_req, { db, actor, params }) => {
      return toWire(await getAiConfig(await workspaceCtx({ db, actor }, params.workspaceId)));
    }),

    putAiConfig: restHandler<{ workspaceId: string }>(getDb, async (req, { db, actor, params }) => {
      const ctx = await workspaceCtx({ db, actor }, params.workspaceId);
      requireOwner(ctx.workspace, 'change its AI config');
      const body = await readJson(req, ZRestAiConfigInput);
      return changeToWire(await setAiConfig(ctx, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }, AI_CONFIG_LOG),

    getAiDefaults: restHandler<Record<string, never>>(getDb, async (_req, { db, actor }) => {
      const d = await getUserAiDefaults({ db, actor });
      if (d) return toWire(d);
      // No defaults yet: new workspaces start on the platform's Standard model.
      const std = await platformDefault(db, 'standard');
      return toWire({ mode: 'managed', provider: std.provider, model: std.modelId, hasApiKey: false, apiKeyHint: null });
    }),

    putAiDefaults: restHandler<Record<string, never>>(getDb, async (req, { db, actor }) => {
      const body = await readJson(req, ZRestAiConfigInput);
      return toWire(await setUserAiDefaults({ db, actor }, { mode: body.mode, provider: body.provider, model: body.model, apiKey: body.api_key }));
    }, AI_CONFIG_LOG),
  };
}
