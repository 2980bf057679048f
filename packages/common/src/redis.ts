import { Redis } from "ioredis";

/**
 * An ioredis connection as BullMQ requires it (`maxRetriesPerRequest: null`: blocking commands
 * must wait out a reconnect instead of failing).
 */
export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName, lazyConnect: false });
}

export type { Redis };
