import type { Dispatcher } from "undici";
import { multipartFetch } from "./multipartFetch";
import { subgraphFetch } from "./subgraphFetch";
import type { SubgraphFetch } from "./subgraphRequest";

/**
 * The innermost step: the request as it is by now, sent over HTTP (undici, pooled keep-alive
 * connections; each subgraph's own pool when it has one: client certificates,
 * subgraphDispatchers.ts); with files, as a multipart request that streams them.
 */
export const httpFetchVia =
  (dispatcherOf: (subgraph: string) => Dispatcher | undefined): SubgraphFetch =>
  (request) =>
    request.uploads?.length
      ? multipartFetch(request.url, request.init, request.uploads, dispatcherOf(request.subgraph))
      : subgraphFetch(request.url, request.init, dispatcherOf(request.subgraph));

/** httpFetchVia undici's global pool. */
export const httpFetch: SubgraphFetch = httpFetchVia(() => undefined);

/**
 * Nests the features' wrappers around `innermost`: the first wrapper is outermost, so a request
 * passes through them in list order and its answer comes back in reverse. The order itself, and
 * why, is written once in server.ts.
 */
export function composeSubgraphFetch(
  wrappers: ReadonlyArray<(next: SubgraphFetch) => SubgraphFetch>,
  innermost: SubgraphFetch,
): SubgraphFetch {
  return wrappers.reduceRight<SubgraphFetch>((next, wrap) => wrap(next), innermost);
}
