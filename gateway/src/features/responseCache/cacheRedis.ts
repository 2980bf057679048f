import { createRedis, type Redis } from "@fedplat/runtime";

/**
 * The caches' own connection: it fails fast while Redis is unreachable (no offline queue, one
 * retry, a short command timeout), so a cache outage costs a miss, never a stalled request. The
 * shared connection (createRedis) waits out reconnects, as BullMQ needs. Commands issued in the
 * same event-loop turn (a private request's generation reads, many requests' look-ups under load)
 * go out as one pipeline.
 */
export function createCacheRedis(url: string): Redis {
  return createRedis(url, "fedplat-gateway-cache", {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 500,
    enableAutoPipelining: true,
  });
}
