import { redirect } from 'next/navigation';
import { requireUser } from '~/app/current-workspace';
import { pageServices } from '~/server/page-services';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const user = await requireUser();
  const [first] = await pageServices().workspaces(user.id);
  redirect(first ? `/w/${first.slug}/studio` : '/new-workspace');
}
