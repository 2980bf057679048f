import { AsyncLocalStorage } from "node:async_hooks";
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ErrorCode } from "@fedplat/runtime";
import { GraphQLError, parse } from "graphql";
import type { GatewayContext } from "../context";
import { describeOperation } from "./describeOperation";
import { isCircuitOpen, isTimeout, SubgraphTimeoutError } from "./fetchErrors";
import type { SubgraphFetch, SubgraphRequest } from "./subgraphRequest";
import { containsUpload, takeUploads } from "./uploadVariables";

interface SubgraphErrorBody {
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

type DescribedFetch = Omit<SubgraphRequest, "url" | "init">;

/**
 * RemoteGraphQLDataSource calls its fetcher with only (url, init); what process() learned about
 * the operation reaches it through this store, scoped to that one process() call.
 */
const described = new AsyncLocalStorage<DescribedFetch>();

/**
 * A subgraph as @apollo/gateway sees it: each fetch is described from the parsed subgraph
 * operation and the request context, sent through the gateway's fetch pipeline (server.ts), and
 * a transport failure becomes an error that names the subgraph (never its internal URL).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    send: SubgraphFetch,
  ) {
    super({ url });
    this.fetcher = (fetchUrl, init = {}) => {
      const fetch = described.getStore();
      if (!fetch) throw new Error(`subgraph "${subgraphName}" fetched outside SubgraphDataSource.process`);
      return send({ ...fetch, url: fetchUrl, init: { ...init, headers: { ...init.headers } } });
    };
  }

  // Only the request id (here), the signed identity (identity feature) and the client headers an
  // operator allowlisted (headerPropagation feature; never Authorization or cookies by default)
  // reach subgraphs, so a subgraph cannot be talked into trusting client headers.
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers: Record<string, string> = (context as Partial<GatewayContext>).subgraphHeaders ?? {};
    for (const [name, value] of Object.entries(headers)) request.http?.headers.set(name, value);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // With a static supergraph every call is an operation's fetch (no health checks, no schema loading).
    const incoming = "incomingRequestContext" in options ? options : undefined;
    try {
      // Files (multipart requests) leave the JSON variables and travel as parts of their own
      // (multipartFetch.ts). A fetch's variables hold files only if the client's did (the rest of
      // a fetch's variables, entity representations, come from subgraphs' JSON): only then are
      // they walked, not on every entity fetch of every request.
      const clientVariables = incoming?.incomingRequestContext.request.variables;
      const { variables, uploads } =
        clientVariables === undefined || containsUpload(clientVariables)
          ? takeUploads(options.request.variables)
          : { variables: options.request.variables, uploads: [] };
      if (uploads.length > 0) options.request.variables = variables;
      const fetch: DescribedFetch = {
        subgraph: this.subgraphName,
        ...describeOperation(incoming?.document ?? parse(options.request.query ?? "")),
        // Operations run in-process (subscription events: executeAsViewer) have no HTTP request.
        overHttp: incoming?.incomingRequestContext.request.http !== undefined,
        ...(incoming?.incomingRequestContext.request.http
          ? { clientHeaders: incoming.incomingRequestContext.request.http.headers }
          : {}),
        ...(uploads.length > 0 ? { uploads } : {}),
        context: options.context as GatewayContext,
      };
      return await described.run(fetch, () => super.process(options));
    } catch (error) {
      throw this.clientError(error);
    }
  }

  private clientError(error: unknown): GraphQLError {
    const serviceName = this.subgraphName;
    // A subgraph that answered with GraphQL errors (e.g. 401 UNAUTHENTICATED): pass its first error on.
    const body =
      error instanceof GraphQLError
        ? ((error.extensions.response as { body?: SubgraphErrorBody } | undefined)?.body ?? undefined)
        : undefined;
    const first = body?.errors?.[0];
    if (first && typeof first.message === "string") {
      const code = typeof first.extensions?.code === "string" ? first.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR;
      return new GraphQLError(first.message, { extensions: { code, serviceName } });
    }
    const message = isTimeout(error)
      ? `Subgraph "${serviceName}" did not answer ${error instanceof SubgraphTimeoutError ? `within ${error.timeoutMs} ms` : "in time"}`
      : isCircuitOpen(error)
        ? `Subgraph "${serviceName}" is unavailable (circuit open)`
        : `Subgraph "${serviceName}" is unavailable`;
    return new GraphQLError(message, { extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName } });
  }
}
