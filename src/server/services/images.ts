import 'server-only';
// Generated images are readable by members of the run's workspace, and by nobody else.
import { isId } from '~/lib/schemas/ids';
import type { UserScope } from '~/server/services/context';

export type StoredImage = { data: Uint8Array; mimeType: string };

export async function imageForMember({ db, actor }: UserScope, imageId: string): Promise<StoredImage | null> {
  if (!isId(imageId)) return null;
  return db.generatedImage.findFirst({
    where: { id: imageId, run: { workspace: { memberships: { some: { userId: actor.id } } } } },
    select: { data: true, mimeType: true },
  });
}
