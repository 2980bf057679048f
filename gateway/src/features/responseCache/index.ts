import type { GatewayFeature } from "../../feature";
import { type ResponseCacheOptions, useResponseCache } from "./useResponseCache";

export { CACHE_STATUS_HEADER, type CacheStatus, type ResponseCacheOptions } from "./useResponseCache";
export type { StringCache } from "./redisKeyValueCache";

/** Whole responses reused for as long as the subgraphs' cache hints allow (useResponseCache.ts). */
export function createResponseCacheFeature(options: ResponseCacheOptions): GatewayFeature {
  return { name: "responseCache", apolloPlugins: useResponseCache(options) };
}
