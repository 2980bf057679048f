import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import responseCachePlugin from "@apollo/server-plugin-response-cache";
import { viewerKey } from "@fedplat/auth";
import { Counter, type Registry } from "prom-client";
import type { GatewayContext } from "../../context";
import type { LiveUpdateHub } from "../subscriptions/liveUpdateHub";
import { createCacheGenerations } from "./cacheGenerations";
import type { StringCache } from "./redisKeyValueCache";

export const CACHE_STATUS_HEADER = "x-cache";
export type CacheStatus = "HIT" | "MISS" | "BYPASS";

export interface ResponseCacheOptions {
  /** Where responses are stored (Redis in production: shared by every replica). */
  cache: StringCache;
  /** Receives gateway_response_cache_requests_total. */
  registry: Registry;
  /** What changed, as producers announce it after they commit: renews the private entries that could show it. */
  liveUpdates: Pick<LiveUpdateHub, "listenAll" | "onSubscribed">;
  /** Roles that may read every user's private data (identity config staffRoles): renewed by every change. */
  staffRoles: readonly string[];
}

/**
 * Full responses in the cache for as long as the subgraphs' combined cache hints allow
 * (@apollo/server-plugin-response-cache). PUBLIC responses are served to everyone; PRIVATE ones
 * only to the same caller: the session id is the viewer (kind, id, roles, scopes and tenant, so a role change
 * never sees what the old role saw) plus the generations of what they can read (cacheGenerations):
 * renewed by the viewer's own mutations, so they read their own writes, and by every live update
 * of an entity they could see, so a cached order shows its new status as soon as it commits.
 * Anonymous requests have no session: PRIVATE responses are never stored for them. Mutations and
 * responses with errors are never cached (the plugin's rules).
 *
 * Clients are told `private, no-cache` for private responses: only this cache learns of
 * renewals, so a browser's copy must be revalidated, never reused on its own.
 */
export function useResponseCache(options: ResponseCacheOptions): ApolloServerPlugin<GatewayContext>[] {
  const requests = new Counter({
    name: "gateway_response_cache_requests_total",
    help: "Operations by response cache status (HIT, MISS, BYPASS)",
    labelNames: ["status"] as const,
    registers: [options.registry],
  });
  const generations = createCacheGenerations(options.cache, options.staffRoles);
  options.liveUpdates.listenAll((update) => generations.changed(update));
  options.liveUpdates.onSubscribed(() => generations.changedEverything());

  // Only HTTP requests use the cache: a subscription event (executed in-process, without HTTP)
  // must show the entity as it is now, never a stored answer.
  const overHttp = ({ request }: GraphQLRequestContext<GatewayContext>) => request.http !== undefined;
  const sessionId = async (context: GraphQLRequestContext<GatewayContext>): Promise<string | null> => {
    const { viewer } = context.contextValue;
    // The plugin asks even when it will neither read nor write; an in-process execution needs no
    // session key (nor its Redis look-up), and must not read the viewer's id for nothing: reading
    // it makes a subscription event's answer identity-dependent (docs/subscriptions.md).
    if (!viewer || !overHttp(context)) return null;
    return `${viewerKey(viewer)}:${await generations.of(viewer)}`;
  };

  const statusAndRenewal: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ metrics, operation, response, contextValue, overallCachePolicy }) {
          const status: CacheStatus = metrics.responseCacheHit
            ? "HIT"
            : operation?.operation === "query"
              ? "MISS"
              : "BYPASS";
          response.http.headers.set(CACHE_STATUS_HEADER, status);
          requests.inc({ status });
          const answered = response.body.kind === "single" && !response.body.singleResult.errors;
          if (answered && overallCachePolicy.policyIfCacheable()?.scope === "PRIVATE")
            response.http.headers.set("cache-control", "private, no-cache");
          // Any mutation, even one that failed half-way, may have changed what this viewer would read.
          if (operation?.operation === "mutation" && contextValue.viewer)
            await generations.renewViewer(contextValue.viewer);
        },
      };
    },
  };

  return [
    responseCachePlugin<GatewayContext>({
      cache: options.cache,
      sessionId,
      shouldReadFromCache: async (context) => overHttp(context),
      shouldWriteToCache: async (context) => overHttp(context),
    }),
    statusAndRenewal,
  ];
}
