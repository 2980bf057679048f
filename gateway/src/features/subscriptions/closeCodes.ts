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

/**
 * What a close code means where there is no close frame (SSE and multipart HTTP): the GraphQL
 * error code of the last message (with the close code itself in `extensions.closeCode`), and the
 * HTTP status when the refusal comes before the stream starts.
 */
export const closeCodeMeaning: Readonly<Record<number, { code: string; status: number }>> = {
  [SubscriptionCloseCode.Unauthorized]: { code: "UNAUTHENTICATED", status: 401 },
  [SubscriptionCloseCode.Forbidden]: { code: "FORBIDDEN", status: 403 },
  [SubscriptionCloseCode.RateLimited]: { code: "RATE_LIMITED", status: 429 },
  [SubscriptionCloseCode.TooManyConnections]: { code: "TOO_MANY_CONNECTIONS", status: 429 },
  [SubscriptionCloseCode.SlowConsumer]: { code: "SLOW_CONSUMER", status: 503 },
  [SubscriptionCloseCode.TryAgainLater]: { code: "SERVICE_UNAVAILABLE", status: 503 },
  [SubscriptionCloseCode.GoingAway]: { code: "SHUTTING_DOWN", status: 503 },
};
