import { Redis } from "ioredis";

/**
 * The caches' own connection: it fails fast while Redis is unreachable (no offline queue, one
 * retry, a short command timeout), so a cache outage costs a miss, never a stalled request. The
 * shared connection (createRedis) waits out reconnects, as BullMQ needs.
 */
export function createCacheRedis(url: string): Redis {
  return new Redis(url, { connectionName: "fedplat-gateway-cache", maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500 });
}
