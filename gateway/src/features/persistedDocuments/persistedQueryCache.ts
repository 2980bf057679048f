import type { StringCache } from "../responseCache/redisKeyValueCache";
import type { PersistedDocumentManifest } from "./persistedDocumentManifest";

/** Apollo Server prefixes every APQ key with this before calling the cache (requestPipeline's APQ_CACHE_PREFIX). */
const APQ_PREFIX = "apq:";

/**
 * The cache Apollo Server's APQ reads ids from: the manifest first (trusted documents need no
 * registration and cost no Redis round trip), then documents registered by APQ in Redis.
 */
export function createPersistedQueryCache(registered: StringCache, manifest?: PersistedDocumentManifest): StringCache {
  const hashOf = (key: string) => (key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
  return {
    get: async (key) => manifest?.get(hashOf(key)) ?? registered.get(key),
    // A manifest document sent with its text is already known: no need to store it.
    set: async (key, value, options) => (manifest?.get(hashOf(key)) ? undefined : registered.set(key, value, options)),
    delete: (key) => registered.delete(key),
  };
}
