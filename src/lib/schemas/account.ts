// The account page's shapes: personal access tokens and sessions, as the API answers them (never a
// token's value after creation, never a session's token). Browser-safe.
import { z } from 'zod';

export const ZTokenDto = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revoked: z.boolean(),
});
export type TokenDto = z.infer<typeof ZTokenDto>;

export const ZSessionDto = z.object({
  id: z.string(),
  userAgent: z.string().nullable(),
  ipAddress: z.string().nullable(),
  createdAt: z.date(),
  lastActiveAt: z.date(),
  expiresAt: z.date(),
  current: z.boolean(),
});
export type SessionDto = z.infer<typeof ZSessionDto>;
