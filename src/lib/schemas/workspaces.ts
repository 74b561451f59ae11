// Workspaces, memberships and members as the API answers them; the types are inferred from these
// schemas, so a shape and its type cannot drift apart. Browser-safe.
import { z } from 'zod';
import { ZPlan } from '~/lib/schemas/enums';

export const ZRole = z.enum(['owner', 'member']);
export type Role = z.infer<typeof ZRole>;

export const ZWorkspace = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  plan: ZPlan,
  creditBalance: z.number().int(),
});
export type WorkspaceDto = z.infer<typeof ZWorkspace>;

/** A workspace as one of its members sees it: with the member's role. */
export const ZMembership = ZWorkspace.extend({ role: ZRole });
export type MembershipDto = z.infer<typeof ZMembership>;

export const ZMember = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role: ZRole,
  joinedAt: z.date(),
});
export type MemberDto = z.infer<typeof ZMember>;
