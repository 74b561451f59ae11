import { headers } from 'next/headers';
import { getSessionUser } from '~/server/auth';
import { getDb } from '~/server/db';
import { jsonError } from '~/server/http-guards';

export const dynamic = 'force-dynamic';

/** Generated images, to members of their workspace only. */
export async function GET(_req: Request, { params }: { params: Promise<{ imageId: string }> }) {
  const user = await getSessionUser(await headers());
  if (!user) return jsonError(401, 'unauthorized', 'Sign in first');
  const { imageId } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(imageId)) return jsonError(404, 'not_found', 'Not found');
  const image = await getDb().generatedImage.findFirst({
    where: { id: imageId, run: { workspace: { memberships: { some: { userId: user.id } } } } },
    select: { data: true, mimeType: true },
  });
  if (!image) return jsonError(404, 'not_found', 'Not found');
  return new Response(Buffer.from(image.data), {
    headers: { 'content-type': image.mimeType, 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' },
  });
}
