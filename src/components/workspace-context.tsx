'use client';

import { createContext, useContext } from 'react';

export type CurrentWorkspace = { id: string; slug: string };
const WorkspaceContext = createContext<CurrentWorkspace | null>(null);

export const WorkspaceProvider = WorkspaceContext.Provider;

export function useCurrentWorkspace(): CurrentWorkspace {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error('useCurrentWorkspace outside a workspace page');
  return ws;
}

/** The workspace whose frame an account-level page is shown in, if any. */
export function useFrameWorkspace(): CurrentWorkspace | null {
  return useContext(WorkspaceContext);
}
