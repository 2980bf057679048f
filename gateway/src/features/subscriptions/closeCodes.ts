/**
 * WebSocket close codes the gateway uses besides graphql-ws's own (4400 bad request, 4406
 * subprotocol, 4408 init timeout, 4409 duplicate id, 4429 repeated init, 4500 internal).
 * graphql-ws clients do not retry after 4401; they retry after the others.
 */
export const SubscriptionCloseCode = {
  /** Missing, invalid or expired credentials in connection_init, or the access token expired while connected. */
  Unauthorized: 4401,
  /** The connection's API key was revoked or expired while connected. */
  Forbidden: 4403,
  /**
   * The client's address is over its per-IP budget, or sent too many invalid credentials: refused
   * before any look-up. graphql-ws uses 4429 for a repeated connection_init too; both mean "too many".
   */
  RateLimited: 4429,
  /** The user (or API key) already has the maximum number of connections on this replica. */
  TooManyConnections: 4029,
  /** The client fell too far behind: more undelivered events than the queue limit. */
  SlowConsumer: 4013,
  /** Credentials could not be checked (accounts unavailable): reconnect later. Standard "Try Again Later". */
  TryAgainLater: 1013,
  /** The gateway is shutting down. Standard "Going Away". */
  GoingAway: 1001,
} as const;
