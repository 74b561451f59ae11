// The OpenAPI 3.1 document, generated from the same zod schemas the endpoints validate with.
import { z } from 'zod';
import { ZRestAiConfig, ZRestAiConfigChange, ZRestAiConfigInput, ZRestError } from '~/lib/rest-schemas';

const errors = {
  '400': 'Bad input (the message says which field)',
  '401': 'Missing, unknown, revoked or expired token',
  '403': 'Not the owner, or BYOK on the Free plan',
  '404': 'No such workspace, or not yours',
  '422': 'The provider rejected the key; `code` says why (invalid_key, permission_denied, no_credit, model_unavailable)',
  '429': 'Too many key checks; try again in a minute',
  '503': 'The provider or the key store is unavailable (a `Retry-After` header is set when known)',
};

function errorResponses(codes: (keyof typeof errors)[]) {
  return Object.fromEntries(
    codes.map((c) => [c, { description: errors[c], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
  );
}

const ok = (description: string, schema = 'AiConfig') => ({
  '200': { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } },
});
const body = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AiConfigInput' } } } };

export function openApiDocument(serverUrl: string) {
  // Each schema carries its component name (`.meta({ id })`), so zod emits them as $defs.
  const schemas = z.toJSONSchema(z.object({ a: ZRestAiConfig, b: ZRestAiConfigInput, c: ZRestError, d: ZRestAiConfigChange }), {
    target: 'draft-2020-12',
  }) as { $defs?: Record<string, unknown> };
  const workspaceId = {
    name: 'workspace_id', in: 'path', required: true, description: 'The workspace id (see the app’s workspace settings)', schema: { type: 'string' },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'BYOK Studio API',
      version: '1.0.0',
      description: 'Workspace AI config and user AI defaults. Keys are write-only: responses carry has_api_key and the masked api_key_hint, never the key.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token from Account settings' } },
      schemas: schemas.$defs ?? {},
    },
    paths: {
      '/api/workspaces/{workspace_id}/ai-config': {
        parameters: [workspaceId],
        get: { operationId: 'getWorkspaceAiConfig', summary: 'Read the workspace AI config', responses: { ...ok('The AI config'), ...errorResponses(['401', '404']) } },
        put: {
          operationId: 'putWorkspaceAiConfig',
          summary: 'Set the workspace AI config (owner only)',
          description:
            'One write. byok with api_key probes the key, stores it as the provider’s primary key and points the Standard tier at (provider, model) through it; api_key null removes that key without changing the mode; managed removes the key the config was using (whatever its provider) and uses platform credits. A removed key is removed as in the app: every tier that used it reverts to its platform default (reverted_tiers), and removed_key names it.',
          requestBody: body,
          responses: { ...ok('The new AI config, with what the change reverted and removed', 'AiConfigChange'), ...errorResponses(['400', '401', '403', '404', '422', '429', '503']) },
        },
      },
      '/api/users/me/ai-defaults': {
        get: { operationId: 'getUserAiDefaults', summary: 'Read your defaults for new workspaces', responses: { ...ok('Your AI defaults'), ...errorResponses(['401']) } },
        put: {
          operationId: 'putUserAiDefaults',
          summary: 'Set your defaults for workspaces you create from now on',
          requestBody: body,
          responses: { ...ok('Your new AI defaults'), ...errorResponses(['400', '401', '422', '429', '503']) },
        },
      },
    },
  };
}
