// Limits that the server enforces and the browser client must respect, in one place.

/**
 * The most calls one tRPC batch may carry. The server refuses a larger batch with 400 (one request
 * must not multiply rate-limited or credit-granting work); the client's batching link splits at it.
 */
export const TRPC_MAX_BATCH = 10;
