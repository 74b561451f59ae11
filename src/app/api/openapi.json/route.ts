import { serverEnv } from '~/server/env';
import { NO_STORE } from '~/server/http-guards';
import { openApiDocument } from '~/server/rest/openapi';

export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json(openApiDocument(serverEnv().APP_URL), { headers: { 'cache-control': NO_STORE } });
}
