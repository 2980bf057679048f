import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ErrorCode, IDENTITY_HEADER } from "@fedplat/common";
import { GraphQLError } from "graphql";
import type { GatewayContext } from "./context";
import { BYPASS_ENTITY_CACHE, cachingPublicEntities, type EntityCacheOptions } from "./entityCache";
import type { IdentitySigner } from "./identitySigner";
import { deduplicateInFlight } from "./inFlightDedupe";
import type { SubgraphBreaker } from "./subgraphBreakers";
import { type Fetcher, type FetcherRequestInit, type FetcherResponse, subgraphFetch } from "./subgraphFetch";

interface SubgraphErrorBody {
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

/** How one subgraph fetch ended, for the fetch metrics. */
export type FetchOutcome = "ok" | "error" | "timeout" | "circuit_open";

export interface SubgraphDataSourceOptions {
  /** Deadline of each fetch attempt. */
  timeoutMs: number;
  /** The subgraph's circuit; without one every fetch goes out. */
  breaker?: SubgraphBreaker;
  /** Extra attempts of a query fetch after a connection failure. @default 0 */
  queryRetries?: number;
  onFetch?: (subgraph: string, outcome: FetchOutcome, seconds: number) => void;
  /** Identical in-flight queries of one viewer share one fetch (inFlightDedupe.ts). @default false */
  dedupe?: boolean;
  /** Public entity answers are reused for their max-age (entityCache.ts); false: every entity fetch goes out. @default false */
  entityCache?: EntityCacheOptions | false;
  /** Signs the context's viewer for this subgraph (the token's audience); without it no identity is sent. */
  signIdentity?: IdentitySigner;
}

/**
 * Marks a fetch that may be sent again: set in willSendRequest (which sees the operation) and
 * removed by the fetcher (which does the sending) before the request leaves the gateway.
 */
const RETRYABLE = "x-fedplat-retryable";
const RETRY_DELAY_MS = 50;

/** A 5xx answer: a failure for the circuit, but still the response the gateway reports from. */
class ServerErrorResponse extends Error {
  constructor(readonly response: FetcherResponse) {
    super(`HTTP ${response.status}`);
  }
}

const isTimeout = (error: unknown) => typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
const isCircuitOpen = (error: unknown) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EOPENBREAKER";
/**
 * fetch() rejects with a TypeError ("fetch failed") when it could not connect or the connection
 * broke before an answer. Checked by name: undici's TypeError may come from another realm.
 */
const isConnectionFailure = (error: unknown) => typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TypeError";

/**
 * undici's request (subgraphFetch.ts: pooled keep-alive connections) with a deadline per attempt, through the
 * subgraph's circuit breaker, retried after a connection failure only when the operation is
 * idempotent (a query: re-sending a mutation could apply it twice). Retries are a plain loop:
 * one or two immediate re-sends do not need a retry library.
 */
function resilientFetcher(subgraph: string, options: SubgraphDataSourceOptions): Fetcher {
  const attempt = async (url: string, init: FetcherRequestInit): Promise<FetcherResponse> => {
    const response = await subgraphFetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    if (response.status >= 500) throw new ServerErrorResponse(response);
    return response;
  };
  const send = (url: string, init: FetcherRequestInit) => (options.breaker ? options.breaker.fire(() => attempt(url, init)) : attempt(url, init));
  return async (url: string, rawInit: FetcherRequestInit = {}) => {
    const { [RETRYABLE]: retryable, ...headers } = rawInit.headers ?? {};
    const init = { ...rawInit, headers };
    const retries = retryable ? (options.queryRetries ?? 0) : 0;
    const started = performance.now();
    const observe = (outcome: FetchOutcome) => options.onFetch?.(subgraph, outcome, (performance.now() - started) / 1000);
    for (let tries = 0; ; tries++) {
      try {
        const response = await send(url, init);
        observe("ok");
        return response;
      } catch (error) {
        if (error instanceof ServerErrorResponse) {
          observe("error");
          return error.response;
        }
        if (tries < retries && isConnectionFailure(error)) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
          continue;
        }
        observe(isCircuitOpen(error) ? "circuit_open" : isTimeout(error) ? "timeout" : "error");
        throw error;
      }
    }
  };
}

/**
 * A subgraph fetch that forwards identity, gives up after the timeout, fails fast while the
 * subgraph's circuit is open, and turns transport failures into an error that names the
 * subgraph (and never its internal URL).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly timeoutMs: number;
  private readonly cachesEntities: boolean;
  private readonly signIdentity: IdentitySigner | undefined;

  constructor(
    private readonly subgraphName: string,
    url: string,
    options: SubgraphDataSourceOptions,
  ) {
    const resilient = resilientFetcher(subgraphName, options);
    // Sharing wraps the resilient fetch: one timeout, circuit check and retry loop for all sharers.
    const shared = options.dedupe ? deduplicateInFlight(resilient) : resilient;
    // The entity cache is outermost: a reused answer needs no fetch, sharing or circuit.
    super({ url, fetcher: options.entityCache ? cachingPublicEntities(subgraphName, shared, options.entityCache) : shared });
    this.timeoutMs = options.timeoutMs;
    this.cachesEntities = Boolean(options.entityCache);
    this.signIdentity = options.signIdentity;
  }

  // Only the signed identity and the request id reach subgraphs; client headers (Authorization
  // included) never do, so a subgraph cannot be talked into trusting them. The identity is
  // signed for this subgraph alone (aud): another subgraph refuses it.
  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const { request, context } = options;
    if (!/^\s*mutation\b/.test(request.query ?? "")) request.http?.headers.set(RETRYABLE, "1");
    // Operations run in-process (subscription events: executeAsViewer) show entities as they are now.
    if (this.cachesEntities && !("incomingRequestContext" in options && options.incomingRequestContext.request.http)) request.http?.headers.set(BYPASS_ENTITY_CACHE, "1");
    if (this.signIdentity && "viewer" in context) request.http?.headers.set(IDENTITY_HEADER, await this.signIdentity(context.viewer ?? null, this.subgraphName));
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
    const message = isTimeout(error)
      ? `Subgraph "${serviceName}" did not answer within ${this.timeoutMs} ms`
      : isCircuitOpen(error)
        ? `Subgraph "${serviceName}" is unavailable (circuit open)`
        : `Subgraph "${serviceName}" is unavailable`;
    return new GraphQLError(message, { extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName } });
  }
}
