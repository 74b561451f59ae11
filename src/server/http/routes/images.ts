import 'server-only';
// Generated images, to members of their workspace only (the session cookie authenticates, or a personal
// access token: the REST run's image_urls).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { sendError } from '~/server/http/errors';
import { methodNotAllowed } from '~/server/http/routes/methods';
import { tokenActor } from '~/server/rest/auth';
import { imageForMember } from '~/server/services/images';

export async function imageRoutes(app: FastifyInstance) {
  app.get('/api/images/:imageId', { schema: { params: z.object({ imageId: z.string() }) } }, async (request, reply) => {
    const user = request.headers.authorization ? await tokenActor(request).catch(() => null) : await getSessionUser(request.headers.cookie);
    if (!user) return sendError(reply, 401, 'unauthorized', 'Sign in first');
    const { imageId } = request.params as { imageId: string };
    const found = await imageForMember({ db: getDb(), actor: user }, imageId);
    if (!found) return sendError(reply, 404, 'not_found', 'Not found');
    return reply.header('content-type', found.mimeType).header('cache-control', 'private, no-store').send(Buffer.from(found.data));
  });
  methodNotAllowed(app, '/api/images/:imageId', ['GET']);
}
