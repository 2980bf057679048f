import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ErrorCode } from "@fedplat/common";
import { GraphQLError } from "graphql";
import type { GatewayContext } from "./context";
import { deduplicateInFlight } from "./inFlightDedupe";

interface SubgraphErrorBody {
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

type Fetcher = RemoteGraphQLDataSource["fetcher"];

/** Node's fetch (undici: pooled keep-alive connections) with a deadline that aborts the request. */
function fetchWithTimeout(timeoutMs: number): Fetcher {
  return (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) } as RequestInit) as unknown as ReturnType<Fetcher>;
}

/**
 * A subgraph fetch that forwards identity, gives up after `timeoutMs`, and turns transport
 * failures into an error that names the subgraph (and never its internal URL).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly timeoutMs: number,
    dedupe = true,
  ) {
    const fetcher = fetchWithTimeout(timeoutMs);
    super({ url, fetcher: dedupe ? (deduplicateInFlight(fetcher as never) as unknown as Fetcher) : fetcher });
  }

  // Only the signed identity and the request id reach subgraphs; client headers (Authorization
  // included) never do, so a subgraph cannot be talked into trusting them.
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!("subgraphHeaders" in context) || !context.subgraphHeaders) return;
    for (const [name, value] of Object.entries(context.subgraphHeaders as Record<string, string>)) request.http?.headers.set(name, value);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    try {
      return await super.process(options);
    } catch (error) {
      throw this.clientError(error);
    }
  }

  private clientError(error: unknown): GraphQLError {
    const serviceName = this.subgraphName;
    // A subgraph that answered with GraphQL errors (e.g. 401 UNAUTHENTICATED): pass its first error on.
    const body = error instanceof GraphQLError ? ((error.extensions.response as { body?: SubgraphErrorBody } | undefined)?.body ?? undefined) : undefined;
    const first = body?.errors?.[0];
    if (first && typeof first.message === "string") {
      const code = typeof first.extensions?.code === "string" ? first.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR;
      return new GraphQLError(first.message, { extensions: { code, serviceName } });
    }
    const timedOut = typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
    const message = timedOut ? `Subgraph "${serviceName}" did not answer within ${this.timeoutMs} ms` : `Subgraph "${serviceName}" is unavailable`;
    return new GraphQLError(message, { extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName } });
  }
}
