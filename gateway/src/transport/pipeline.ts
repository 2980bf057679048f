import { multipartFetch } from "./multipartFetch";
import { subgraphFetch } from "./subgraphFetch";
import type { SubgraphFetch } from "./subgraphRequest";

/**
 * The innermost step: the request as it is by now, sent over HTTP (undici, pooled keep-alive
 * connections); with files, as a multipart request that streams them.
 */
export const httpFetch: SubgraphFetch = (request) =>
  request.uploads?.length
    ? multipartFetch(request.url, request.init, request.uploads)
    : subgraphFetch(request.url, request.init);

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
