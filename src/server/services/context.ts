import 'server-only';
// What services are called with: `(ctx, input)`. A tRPC procedure passes its own context (it has db and
// actor after authedProcedure, and workspace after workspaceProcedure); a REST route builds the same
// context from its token's actor. A service declares the narrowest context it reads, so a caller that
// holds less (a page render knows the user, not the request) can still call a read.
import type { MembershipDto } from '~/lib/schemas/workspaces';
import type { Actor } from '~/server/actor';
import type { Db } from '~/server/db/connect';

/** A request's context: the database and who acts. */
export type Ctx = { db: Db; actor: Actor };

/** A workspace-scoped request's context: also the actor's membership, read from the database (never input). */
export type WorkspaceCtx = Ctx & { workspace: MembershipDto };

/** Enough for a service that serves the user's own data and records nothing about the request. */
export type UserScope = { db: Db; actor: Pick<Actor, 'id'> };

/** Enough for a read of a workspace whose membership was already checked. */
export type WorkspaceScope = { db: Db; workspace: Pick<MembershipDto, 'id'> };
