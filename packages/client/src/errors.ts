/** One error of a GraphQL response, as the gateway sends it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A response that carried errors (or an HTTP failure): `code` is the first error's extensions.code. */
export class GraphQLRequestError extends Error {
  override readonly name: string = "GraphQLRequestError";
  constructor(
    readonly errors: GraphQLErrorEntry[],
    readonly status: number,
    /** Whatever data came with the errors (partial results). */
    readonly data?: unknown,
  ) {
    super(errors.map((error) => error.message).join("; ") || `HTTP ${status}`);
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/**
 * The subscription connection closed for good (no retry left, or a code graphql-ws never retries,
 * such as 4401): `closeCode` and `reason` are the WebSocket close frame's.
 */
export class SubscriptionClosedError extends GraphQLRequestError {
  override readonly name = "SubscriptionClosedError";
  constructor(
    readonly closeCode: number,
    readonly reason: string,
  ) {
    super(
      [
        {
          message: `The subscription connection closed (${closeCode}${reason ? `: ${reason}` : ""})`,
          extensions: { code: "SUBSCRIPTION_CLOSED", closeCode },
        },
      ],
      0,
    );
  }
}
