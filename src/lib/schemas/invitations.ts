// Invitations as the owner and the invitee see them (src/server/services/invitations.ts). Browser-safe.
import { z } from 'zod';

/** What the owner sees: a pending invitation, or one that expired undecided (to invite again). */
export const ZWorkspaceInvitation = z.object({
  id: z.string(),
  email: z.string(),
  status: z.enum(['pending', 'expired']),
  createdAt: z.date(),
  expiresAt: z.date(),
});
export type WorkspaceInvitationDto = z.infer<typeof ZWorkspaceInvitation>;

/** What the invitee sees before deciding: who invites them where, nothing else of the workspace. */
export const ZMyInvitation = z.object({
  id: z.string(),
  workspaceName: z.string(),
  invitedBy: z.object({ name: z.string(), email: z.string() }),
  createdAt: z.date(),
  expiresAt: z.date(),
});
export type MyInvitationDto = z.infer<typeof ZMyInvitation>;

export const ZJoinedWorkspace = z.object({ id: z.string(), slug: z.string(), name: z.string() });
export type JoinedWorkspace = z.infer<typeof ZJoinedWorkspace>;
