import { untrackedViewer, viewerKey } from "@fedplat/auth";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Counter } from "prom-client";
import type { GatewayContext } from "../../context";
import type { GatewayExecutor } from "../../feature";
import { containsUpload } from "../../transport/uploadVariables";

type ExecutionRequest = Parameters<GatewayExecutor>[0];
type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;
interface CacheHint {
  maxAge?: number;
  scope?: unknown;
}
interface CachePolicy extends CacheHint {
  restrict(hint: CacheHint): void;
  replace(hint: CacheHint): void;
}

/** What one shared execution left behind: its result, and what it did to the leader's cache policy. */
interface SharedExecution {
  result: ExecutionResult;
  cachePolicy: ReadonlyArray<["restrict" | "replace", CacheHint]>;
}

export interface ShareOperationsOptions {
  /** Client headers some header-propagation rule copies to subgraphs (lower case): they change answers. */
  propagatedHeaders: readonly string[];
  /** Counts executions joined rather than run. */
  joined?: Counter;
}

/**
 * Shares one execution among identical in-flight operations: while a query with the same document,
 * variables, viewer, progressive-override labels and propagated client headers runs on the same
 * supergraph, later ones wait for its result instead of planning, fetching, merging and shaping it
 * again. Under many concurrent identical client requests (a busy product page) the gateway then does
 * that work once, where subgraph-fetch dedupe (deduplicateInFlight.ts) saves the subgraphs' work but
 * still merges every answer once per request. Nothing outlives the execution: this is not a cache.
 *
 * It wraps the executor outside authorization, so what authorization decides for the viewer is part
 * of the shared execution, and everything an execution does to its request is replayed on each that
 * joined it: the cache-policy restrictions (subgraphs' Cache-Control, authorization's PRIVATE) that
 * decide whether and how long the response may be cached. Each caller gets its own result object and
 * errors; the data tree is shared and nothing after the executor writes to it. Never shared:
 * mutations and subscriptions, operations with files, in-process executions that count viewer
 * dependence (subscription events, which share by viewer class their own way), and incremental
 * (@defer) results.
 *
 * Written here because the executor of @apollo/gateway offers no such hook; the logic is a map of promises.
 */
export function shareOperations(options: ShareOperationsOptions): (next: GatewayExecutor) => GatewayExecutor {
  const propagated = [...new Set(options.propagatedHeaders.map((name) => name.toLowerCase()))].sort();
  const inFlightBySchema = new WeakMap<GraphQLSchema, Map<string, Promise<SharedExecution>>>();

  const sharingKey = (requestContext: ExecutionRequest): string | undefined => {
    const context = requestContext.context as GatewayContext;
    const { variables } = requestContext.request;
    if (requestContext.operation.operation !== "query" || context.viewerDependence) return undefined;
    // A client's files are streams of their own, not values a key can compare.
    if (variables !== undefined && containsUpload(variables)) return undefined;
    const headers = requestContext.request.http?.headers;
    const overrides = context.overrideConditions
      ? [...context.overrideConditions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : [];
    return JSON.stringify([
      requestContext.queryHash,
      requestContext.operationName,
      viewerKey(untrackedViewer(context.viewer ?? null)),
      overrides,
      context.incrementalDelivery === true,
      propagated.map((name) => headers?.get(name) ?? null),
      variables ?? {},
    ]);
  };

  return (next) => async (requestContext) => {
    const key = sharingKey(requestContext);
    if (key === undefined) return next(requestContext);
    let inFlight = inFlightBySchema.get(requestContext.schema);
    if (!inFlight) {
      inFlight = new Map();
      inFlightBySchema.set(requestContext.schema, inFlight);
    }
    const running = inFlight.get(key);
    if (running) {
      const shared = await running;
      // An incremental result streams to one client: the others run their own.
      if (isIncremental(shared.result)) return next(requestContext);
      options.joined?.inc();
      const policy = requestContext.overallCachePolicy as CachePolicy | undefined;
      for (const [method, hint] of shared.cachePolicy) policy?.[method](hint);
      return ownCopy(shared.result);
    }
    const recorded: Array<["restrict" | "replace", CacheHint]> = [];
    const execution = next(recordingCachePolicy(requestContext, recorded)).then((result) => ({
      result,
      cachePolicy: recorded,
    }));
    inFlight.set(key, execution);
    const forget = () => inFlight.delete(key);
    execution.then(forget, forget);
    const { result } = await execution;
    return isIncremental(result) ? result : ownCopy(result);
  };
}

/** The request with a cache policy that records what the execution does to it, and does it. */
function recordingCachePolicy(
  requestContext: ExecutionRequest,
  recorded: Array<["restrict" | "replace", CacheHint]>,
): ExecutionRequest {
  const policy = requestContext.overallCachePolicy as CachePolicy | undefined;
  if (!policy) return requestContext;
  // Reads (maxAge, scope, policyIfCacheable) go to the real policy through the prototype; writes
  // are recorded and applied to it, never to this wrapper.
  const record =
    (method: "restrict" | "replace") =>
    (hint: CacheHint): void => {
      recorded.push([method, hint]);
      policy[method](hint);
    };
  const recording = Object.create(policy, {
    restrict: { value: record("restrict") },
    replace: { value: record("replace") },
  });
  return { ...requestContext, overallCachePolicy: recording };
}

function isIncremental(result: ExecutionResult): boolean {
  return "subsequentResults" in result;
}

/**
 * A result of the caller's own: Apollo Server and plugins may add extensions or annotate errors,
 * which must not reach the others. The data tree is shared (read only from here on).
 */
function ownCopy(result: ExecutionResult): ExecutionResult {
  return {
    ...result,
    ...(result.errors ? { errors: result.errors.map(copyError) } : {}),
    ...(result.extensions ? { extensions: { ...result.extensions } } : {}),
  };
}

function copyError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(error.originalError ? { originalError: error.originalError } : {}),
    extensions: { ...error.extensions },
  });
}
