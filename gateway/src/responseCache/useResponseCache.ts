import { randomUUID } from "node:crypto";
import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import responseCachePlugin from "@apollo/server-plugin-response-cache";
import type { Viewer } from "@fedplat/common";
import { Counter, type Registry } from "prom-client";
import type { GatewayContext } from "../context";
import type { StringCache } from "./redisKeyValueCache";

export const CACHE_STATUS_HEADER = "x-cache";
export type CacheStatus = "HIT" | "MISS" | "BYPASS";

/** How long a user's cache generation is remembered: longer than any PRIVATE max age, so an expired generation never revives old entries. */
const GENERATION_TTL_SECONDS = 24 * 60 * 60;

export interface ResponseCacheOptions {
  /** Where responses are stored (Redis in production: shared by every replica). */
  cache: StringCache;
  /** Receives gateway_response_cache_requests_total. */
  registry: Registry;
}

const viewerKey = (viewer: Viewer) => `${viewer.kind ?? "user"}:${viewer.id}`;

/**
 * Full responses in the cache for as long as the subgraphs' combined cache hints allow
 * (@apollo/server-plugin-response-cache). PUBLIC responses are served to everyone; PRIVATE ones
 * only to the same caller: the session id is the viewer (kind, id and role, so a role change
 * never sees what the old role saw) plus a generation that each of the viewer's mutations renews, so a user reads their own writes. Anonymous requests have no session: PRIVATE
 * responses are never stored for them. Mutations and responses with errors are never cached (the plugin's rules).
 */
export function useResponseCache(options: ResponseCacheOptions): ApolloServerPlugin<GatewayContext>[] {
  const requests = new Counter({ name: "gateway_response_cache_requests_total", help: "Operations by response cache status (HIT, MISS, BYPASS)", labelNames: ["status"] as const, registers: [options.registry] });
  const generationKey = (viewer: Viewer) => `generation:${viewerKey(viewer)}`;

  const sessionId = async ({ contextValue }: GraphQLRequestContext<GatewayContext>): Promise<string | null> => {
    const { viewer } = contextValue;
    if (!viewer) return null;
    const generation = (await options.cache.get(generationKey(viewer))) ?? "0";
    return `${viewerKey(viewer)}:${viewer.role}:${generation}`;
  };

  const statusAndRenewal: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ metrics, operation, response, contextValue }) {
          const status: CacheStatus = metrics.responseCacheHit ? "HIT" : operation?.operation === "query" ? "MISS" : "BYPASS";
          response.http.headers.set(CACHE_STATUS_HEADER, status);
          requests.inc({ status });
          // Any mutation, even one that failed half-way, may have changed what this viewer would read.
          if (operation?.operation === "mutation" && contextValue.viewer) {
            await options.cache.set(generationKey(contextValue.viewer), randomUUID(), { ttl: GENERATION_TTL_SECONDS });
          }
        },
      };
    },
  };

  // Only HTTP requests use the cache: a subscription event (executed in-process, without HTTP)
  // must show the entity as it is now, never a stored answer.
  const overHttp = ({ request }: GraphQLRequestContext<GatewayContext>) => request.http !== undefined;
  return [responseCachePlugin<GatewayContext>({ cache: options.cache, sessionId, shouldReadFromCache: async (context) => overHttp(context), shouldWriteToCache: async (context) => overHttp(context) }), statusAndRenewal];
}
