/** One error of a GraphQL response, as the gateway sends it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A response that carried errors (or an HTTP failure): `code` is the first error's extensions.code. */
export class GraphQLRequestError extends Error {
  override readonly name = "GraphQLRequestError";
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
