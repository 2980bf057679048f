import type { Logger, Redis } from "@fedplat/runtime";

/** Apollo's KeyValueCache contract (@apollo/utils.keyvaluecache), which APQ and the response cache plugin take. */
export interface StringCache {
  get(key: string): Promise<string | undefined>;
  /** `ttl` in seconds; none or null keeps the entry until Redis evicts it. */
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | undefined>;
}

/**
 * A KeyValueCache on the gateway's own ioredis client, so APQ entries and cached responses are
 * shared by every replica. Hand-written rather than KeyvAdapter + Keyv + @keyv/redis: those would
 * bring a second Redis client library (node-redis) with its own connection and reconnect rules,
 * for three commands. A cache must never fail a request: Redis errors read as a miss and
 * writes are dropped, with a warning.
 */
export function createRedisKeyValueCache(redis: Redis, prefix: string, logger: Logger): StringCache {
  const warn = (operation: string) => (error: unknown) => {
    logger.warn({ err: error, operation }, "cache unavailable");
    return undefined;
  };
  return {
    get: async (key) => (await redis.get(prefix + key).catch(warn("get"))) ?? undefined,
    set: async (key, value, options) => {
      const ttl = options?.ttl;
      await (ttl
        ? redis.set(prefix + key, value, "EX", Math.max(1, Math.ceil(ttl)))
        : redis.set(prefix + key, value)
      ).catch(warn("set"));
    },
    delete: async (key) => ((await redis.del(prefix + key).catch(warn("delete"))) ?? 0) > 0,
  };
}
