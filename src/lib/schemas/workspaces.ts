// Workspaces, memberships and members as the API answers them; the types are inferred from these
// schemas, so a shape and its type cannot drift apart. Browser-safe.
import { z } from 'zod';
import { ZKeyOutcome, ZPlan, ZProviderId } from '~/lib/schemas/enums';

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

/** What became of the creator's default key in a new workspace (services/user-defaults.ts). */
export const ZInheritedKeyNote = z.object({
  provider: ZProviderId,
  state: z.enum(['usable', 'waiting_for_plan', 'not_stored']),
  outcome: ZKeyOutcome,
  message: z.string(),
});

/** A new workspace, with what its creation did with the creator's default key. */
export const ZCreatedWorkspace = ZWorkspace.extend({ inheritedKey: ZInheritedKeyNote.nullable() });
