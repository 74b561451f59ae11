'use client';

import { NotFoundView } from '~/components/shell/not-found-view';
import { useCurrentWorkspace } from '~/components/workspace-context';

// Inside the workspace's frame: the sidebar stays, so the way on is one click away.
export default function WorkspaceNotFound() {
  const { slug } = useCurrentWorkspace();
  return (
    <NotFoundView
      text="There is nothing at this address in this workspace: the run or page may have been removed, or the link is mistyped."
      cta="Back to Content Studio"
      href={`/w/${slug}/studio`}
    />
  );
}
