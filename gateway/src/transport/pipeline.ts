import type { Dispatcher } from "undici";
import { subgraphFetch } from "./subgraphFetch";
import type { SubgraphFetch } from "./subgraphRequest";

/** The innermost step: the request as it is by now, sent over HTTP (undici, pooled keep-alive connections). */
export const httpFetch: SubgraphFetch = (request) => subgraphFetch(request.url, request.init);

/** httpFetch over each subgraph's own connection pool when it has one (client certificates: subgraphDispatchers.ts). */
export const httpFetchVia =
  (dispatcherOf: (subgraph: string) => Dispatcher | undefined): SubgraphFetch =>
  (request) =>
    subgraphFetch(request.url, request.init, dispatcherOf(request.subgraph));

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
