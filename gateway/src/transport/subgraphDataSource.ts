import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { VIEWER_DEPENDENCE_EXTENSION, viewerDependenceOf } from "@fedplat/auth";
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
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource["process"]>>;

/**
 * A subgraph as @apollo/gateway sees it: each fetch is described from the parsed subgraph
 * operation and the request context, sent through the gateway's fetch pipeline (server.ts), and
 * a transport failure becomes an error that names the subgraph (never its internal URL).
 *
 * It does what RemoteGraphQLDataSource.process does for this gateway (JSON POST, the answer's
 * Cache-Control restricting the response's cache policy, a non-2xx answer as Apollo's error)
 * without what this gateway never uses and every fetch paid for: a node-fetch Request built for
 * hooks it does not have (its legacy URL parse and a copy of the body, representations included),
 * node-fetch Headers, and an AsyncLocalStorage carrying the description to a fetcher that sees
 * only (url, init). APQ to subgraphs stays off, as it was (RemoteGraphQLDataSource's `apq`).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly send: SubgraphFetch,
  ) {
    super({ url });
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // With a static supergraph every call is an operation's fetch (no health checks, no schema loading).
    const incoming = "incomingRequestContext" in options ? options : undefined;
    try {
      // Files (multipart requests) leave the JSON variables and travel as parts of their own
      // (multipartFetch.ts). A fetch's variables hold files only if the client's did (the rest of
      // a fetch's variables, entity representations, come from subgraphs' JSON): only then are
      // they walked, not on every entity fetch of every request. A client request without
      // variables has no file either; an operation run in-process is walked, as it has no client.
      const clientVariables = incoming?.incomingRequestContext.request.variables;
      const mayHoldFiles = incoming === undefined || (clientVariables !== undefined && containsUpload(clientVariables));
      const { variables, uploads } = mayHoldFiles
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
      const dependence = fetch.context.viewerDependence;
      if (dependence) dependence.fetches += 1;
      const response = await this.fetchAnswer(options, fetch);
      // Meant for the gateway alone: read (a missing or other value counts as "identity") and removed.
      if (response.extensions && VIEWER_DEPENDENCE_EXTENSION in response.extensions) {
        if (dependence && viewerDependenceOf(response.extensions) === "role") dependence.roleAnswers += 1;
        const { [VIEWER_DEPENDENCE_EXTENSION]: _read, ...others } = response.extensions;
        response.extensions = Object.keys(others).length > 0 ? others : undefined;
      }
      return response;
    } catch (error) {
      throw this.clientError(error);
    }
  }

  private async fetchAnswer(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
    fetch: DescribedFetch,
  ): Promise<GatewayGraphQLResponse> {
    const { http, query, ...rest } = options.request;
    if (!query) throw new Error("Missing query");
    // Only the request id (subgraphHeaders), the signed identity (identity feature) and the client
    // headers an operator allowlisted (headerPropagation feature; never Authorization or cookies by
    // default) reach subgraphs, so a subgraph cannot be talked into trusting client headers.
    const headers: Record<string, string> = {};
    for (const [name, value] of http?.headers ?? []) headers[name.toLowerCase()] = value;
    headers["content-type"] = "application/json";
    for (const [name, value] of Object.entries(fetch.context.subgraphHeaders ?? {}))
      headers[name.toLowerCase()] = value;
    const response = await this.send({
      ...fetch,
      url: this.url,
      init: { method: "POST", headers, body: JSON.stringify({ query, ...rest }) },
    });
    if (!response.ok) throw await this.errorFromResponse(response);
    const body = await this.parseBody(response);
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new Error(`Expected JSON response body, but received: ${body}`);
    if ("incomingRequestContext" in options)
      restrictCachePolicy(options.incomingRequestContext.overallCachePolicy, response.headers.get("cache-control"));
    return { ...body, http: response };
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

/**
 * What RemoteGraphQLDataSource does with a subgraph's Cache-Control (honorSubgraphCacheControlHeader,
 * on by default): the response's cache policy is restricted to the answer's max-age (0 without one)
 * and scope, so a response is cached no longer than its shortest-lived part (responseCache).
 */
function restrictCachePolicy(
  policy: { restrict?: (hint: CacheHint) => void } | undefined,
  cacheControl: string | null | undefined,
): void {
  if (!policy?.restrict) return;
  const header = cacheControl ?? "";
  let hint = hintsByHeader.get(header);
  if (!hint) {
    hint = cacheHintOf(header);
    if (hintsByHeader.size >= MAX_REMEMBERED_HINTS) hintsByHeader.clear();
    hintsByHeader.set(header, hint);
  }
  policy.restrict(hint);
}

/**
 * Hints by Cache-Control value: subgraphs send a handful of values, read on every fetch. Bounded,
 * as the values come from subgraphs; restrict() only reads the hint it is given.
 */
const hintsByHeader = new Map<string, Readonly<CacheHint>>();
const MAX_REMEMBERED_HINTS = 100;

function cacheHintOf(cacheControl: string): Readonly<CacheHint> {
  const directives = parseCacheControl(cacheControl);
  const hint: CacheHint = { maxAge: 0 };
  const maxAge = directives["max-age"];
  if (typeof maxAge === "string" && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
  if (directives.private === true) hint.scope = "PRIVATE";
  if (directives.public === true) hint.scope = "PUBLIC";
  return Object.freeze(hint);
}

interface CacheHint {
  maxAge?: number;
  scope?: "PUBLIC" | "PRIVATE";
}

/** Directive -> value (true for one without a value), as @apollo/gateway's parseCacheControlHeader reads it. */
function parseCacheControl(header: string | null | undefined): Record<string, string | true> {
  const directives: Record<string, string | true> = {};
  if (!header) return directives;
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [name = "", value] = part.split(/\s*=\s*/, 2);
    directives[name] = value === undefined ? true : value.replace(/^"|"$/g, "");
  }
  return directives;
}
