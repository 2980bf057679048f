import { LRUCache } from "lru-cache";
import { type SubgraphAnswer, SubgraphResponse } from "../../transport/subgraphFetch";
import type { SubgraphFetch } from "../../transport/subgraphRequest";

export interface EntityCacheOptions {
  /** Bytes of answers kept per subgraph in each gateway process; least recently used go first. @default 32 MiB */
  maxBytes?: number;
  /** Counts lookups (hit, miss) for the metrics. */
  onLookup?: (subgraph: string, outcome: "hit" | "miss") => void;
  /** The clock ages are measured with. @default Date.now */
  now?: () => number;
}

interface CachedAnswer extends SubgraphAnswer {
  /** When the subgraph answered and for how long its hint lets the answer be reused (ms). */
  storedAt: number;
  maxAgeMs: number;
}

/** max-age of a Cache-Control value that allows anyone to reuse it (public, not no-store or private); 0 otherwise. */
export function publicMaxAgeSeconds(cacheControl: string | null): number {
  if (!cacheControl) return 0;
  const directives = new Map(
    cacheControl.split(",").map((part) => {
      const [name = "", value] = part.trim().toLowerCase().split("=");
      return [name, value] as const;
    }),
  );
  if (
    !directives.has("public") ||
    directives.has("private") ||
    directives.has("no-store") ||
    directives.has("no-cache")
  )
    return 0;
  const maxAge = Number(directives.get("max-age"));
  return Number.isInteger(maxAge) && maxAge > 0 ? maxAge : 0;
}

/**
 * An entity cache for public entities: an entity fetch (the `_entities` look-ups of a query plan,
 * e.g. the products of orders' lines) whose answer the subgraph marked `public` with a max-age
 * (its @cacheControl hints, e.g. Product: 60 s, 10 s once stock is selected) is reused, for any
 * viewer, until that age. Root fields are left to the response cache; private or uncacheable
 * answers, errors and non-200 answers are never kept, and mutations never look here.
 *
 * The key is the subgraph URL and the fetch's body (document and representations, as the planner
 * prints them), so a different selection or a different set of entities is a different entry. A
 * reused answer carries the age left in its Cache-Control header, so the response's overall
 * cache policy (and the response cache) never outlives the subgraph's hint.
 *
 * Per process, in memory (lru-cache, bounded by bytes): a hit costs no network round trip at all,
 * which a shared Redis copy would; each replica asks the subgraph at most once per max-age.
 */
export function cachingPublicEntities(next: SubgraphFetch, options: EntityCacheOptions = {}): SubgraphFetch {
  const clock = options.now ?? Date.now;
  // One cache per subgraph, so a subgraph with large answers cannot evict every other's.
  const caches = new Map<string, LRUCache<string, CachedAnswer>>();
  const cacheOf = (subgraph: string) => {
    let cache = caches.get(subgraph);
    if (!cache) {
      cache = new LRUCache<string, CachedAnswer>({
        maxSize: options.maxBytes ?? 32 * 1024 * 1024,
        sizeCalculation: (answer, key) => answer.body.length + key.length + 256,
      });
      caches.set(subgraph, cache);
    }
    return cache;
  };
  return async (request) => {
    const { url, init, subgraph } = request;
    const body = init.body;
    // Operations run in-process (subscription events) must see entities as they are now.
    if (
      !request.overHttp ||
      !request.entityFetch ||
      request.operation !== "query" ||
      init.method !== "POST" ||
      typeof body !== "string"
    )
      return next(request);
    const cache = cacheOf(subgraph);
    const key = `${url}\n${body}`;
    const cached = cache.get(key);
    const now = clock();
    if (cached && now - cached.storedAt < cached.maxAgeMs) {
      options.onLookup?.(subgraph, "hit");
      const secondsLeft = Math.max(1, Math.floor((cached.maxAgeMs - (now - cached.storedAt)) / 1000));
      const headers = cached.headers.map(([name, value]): [string, string] => [
        name,
        name === "cache-control" ? `max-age=${secondsLeft}, public` : value,
      ]);
      return new SubgraphResponse({ ...cached, headers }, url);
    }
    options.onLookup?.(subgraph, "miss");
    const response = await next(request);
    const maxAge = publicMaxAgeSeconds(response.headers.get("cache-control"));
    if (response.status !== 200 || maxAge === 0) return response;
    const text = await response.text();
    const answer: SubgraphAnswer = {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers].map(([name, value]) => [name.toLowerCase(), value] as const),
      body: text,
    };
    // An answer with errors (a failed look-up, a denied field) is passed on but never reused.
    if (!hasErrors(text)) cache.set(key, { ...answer, storedAt: now, maxAgeMs: maxAge * 1000 });
    return new SubgraphResponse(answer, url);
  };
}

function hasErrors(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown[] };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0;
  } catch {
    return true;
  }
}
