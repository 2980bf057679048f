import { IDENTITY_HEADER } from "@fedplat/common";
import { decodeJwt } from "jose";
import { type Fetcher, type FetcherRequestInit, type SubgraphAnswer, SubgraphResponse } from "./subgraphFetch";

/** Headers that differ per client request but do not change a subgraph's answer. */
const PER_REQUEST_HEADERS = new Set(["x-request-id", "traceparent", "tracestate", "baggage", "x-fedplat-retryable", IDENTITY_HEADER]);

/** A mutation (or anything but a query) must reach the subgraph once per client request. */
const NOT_A_QUERY = /"query":"\s*(mutation|subscription)\b/;

/**
 * Who the subgraph answers for: the claims of the signed identity (not the token itself, whose
 * issue time differs per request). Unreadable identity: no key, so no sharing.
 */
function viewerKey(identity: string | undefined): string | undefined {
  if (!identity) return "none";
  try {
    const { sub, role, kind, iss } = decodeJwt(identity);
    return JSON.stringify([iss, sub, role, kind]);
  } catch {
    return undefined;
  }
}

function sharingKey(url: string, init: FetcherRequestInit): string | undefined {
  if (init.method !== "POST" || typeof init.body !== "string" || NOT_A_QUERY.test(init.body)) return undefined;
  // Header names compared case-insensitively, in a stable order (as a Headers object would list them).
  const headers = Object.entries(init.headers ?? {}).map(([name, value]): [string, string] => [name.toLowerCase(), value]);
  const viewer = viewerKey(headers.find(([name]) => name === IDENTITY_HEADER)?.[1]);
  if (viewer === undefined) return undefined;
  const rest = headers.filter(([name]) => !PER_REQUEST_HEADERS.has(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([url, viewer, rest, init.body]);
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
export function deduplicateInFlight(fetcher: Fetcher): Fetcher & { inFlight(): number } {
  const inFlight = new Map<string, Promise<SubgraphAnswer>>();
  const shared = async (url: string, init: FetcherRequestInit = {}) => {
    const key = sharingKey(url, init);
    if (key === undefined) return fetcher(url, init);
    let answer = inFlight.get(key);
    if (!answer) {
      answer = fetcher(url, init).then(async (response) => ({ status: response.status, statusText: response.statusText, headers: [...response.headers], body: await response.text() }));
      inFlight.set(key, answer);
      const forget = () => inFlight.delete(key);
      answer.then(forget, forget);
    }
    return new SubgraphResponse(await answer, url);
  };
  return Object.assign(shared, { inFlight: () => inFlight.size });
}
