import { IDENTITY_HEADER, untrackedViewer, viewerKey } from "@fedplat/auth";
import { type SubgraphAnswer, SubgraphResponse } from "../../transport/subgraphFetch";
import type { SubgraphFetch, SubgraphRequest } from "../../transport/subgraphRequest";

/** Headers that differ per client request but do not change a subgraph's answer. */
const PER_REQUEST_HEADERS = new Set(["x-request-id", "traceparent", "tracestate", "baggage", IDENTITY_HEADER]);

function sharingKey({ url, init, operation, context }: SubgraphRequest): string | undefined {
  // A mutation must reach the subgraph once per client request.
  if (operation !== "query" || init.method !== "POST" || typeof init.body !== "string") return undefined;
  // Header names compared case-insensitively, in a stable order (as a Headers object would list them).
  const headers = Object.entries(init.headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .filter(([name]) => !PER_REQUEST_HEADERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Who the subgraph answers for (the identity it receives is signed from the same fields). The body
  // (an entity fetch's representations: tens of KB) is appended as it is, not escaped again inside
  // the JSON; JSON text holds no raw newline, so the first one ends the prefix unambiguously.
  return `${JSON.stringify([url, viewerKey(untrackedViewer(context.viewer ?? null)), headers])}\n${init.body}`;
}

/**
 * Deduplicates identical in-flight subgraph queries: while a query for the same subgraph, the
 * same viewer and the same document and variables is on its way, later callers wait for its
 * answer instead of sending their own. Under many concurrent identical client requests (a busy
 * product page) a subgraph then does the work once. Each caller gets its own copy of the
 * answer (the executor mutates what it receives). Only queries are shared, never mutations,
 * and nothing outlives the request: this is not a cache.
 *
 * Written here because no library does this for a fetch used by @apollo/gateway; the logic is
 * a map of promises.
 */
export function deduplicateInFlight(next: SubgraphFetch): SubgraphFetch & { inFlight(): number } {
  const inFlight = new Map<string, Promise<SubgraphAnswer>>();
  const shared: SubgraphFetch = async (request) => {
    const key = sharingKey(request);
    if (key === undefined) return next(request);
    let answer = inFlight.get(key);
    if (!answer) {
      answer = next(request).then(async (response) => ({
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body: await response.text(),
      }));
      inFlight.set(key, answer);
      const forget = () => inFlight.delete(key);
      answer.then(forget, forget);
    }
    return new SubgraphResponse(await answer, request.url);
  };
  return Object.assign(shared, { inFlight: () => inFlight.size });
}
