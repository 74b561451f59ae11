import 'server-only';
// Who performs an operation, as services see it: the signed-in user (through the app or a personal access
// token) and where the request came from. Services use it for authorization by id, rate limits (per user
// and per client address) and audit rows (which token acted).
export type Actor = {
  id: string;
  name: string;
  email: string;
  /** The client's address (src/server/http/client-ip.ts); null for work not started by a request. */
  clientIp: string | null;
  /** The prefix of the personal access token that made the request; null in the app. */
  tokenPrefix: string | null;
  /** The session that made the request (the Account page marks it); null for personal access tokens. */
  sessionId: string | null;
};
