import { Redis, type RedisOptions } from "ioredis";
import { z } from "zod";
import { parseEnv } from "./config";

/**
 * Redis Sentinel, by configuration: with REDIS_SENTINELS set, every connection asks the
 * sentinels for the current primary of REDIS_SENTINEL_NAME and follows a failover; REDIS_URL
 * then gives only the primary's credentials (user, password), its database and TLS (rediss://).
 */
const sentinelEnv = z.object({
  /** Sentinels as host:port,host:port; unset: REDIS_URL's host is the Redis. */
  REDIS_SENTINELS: z
    .string()
    .regex(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/, "must be host:port,host:port")
    .optional(),
  /** The primary's name in the sentinels' configuration (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: z.string().min(1).default("mymaster"),
  /** The sentinels' own password (requirepass in sentinel.conf), when they have one. */
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
});

/** ioredis options of `url`, through the sentinels when `env` names some. */
export function redisOptions(url: string, env: NodeJS.ProcessEnv = process.env): RedisOptions | string {
  const sentinel = parseEnv(sentinelEnv, env);
  if (!sentinel.REDIS_SENTINELS) return url;
  const u = new URL(url);
  const tls = u.protocol === "rediss:";
  return {
    sentinels: sentinel.REDIS_SENTINELS.split(",").map((address) => {
      const [host, port] = address.split(":");
      return { host: host ?? "", port: Number(port) };
    }),
    name: sentinel.REDIS_SENTINEL_NAME,
    sentinelPassword: sentinel.REDIS_SENTINEL_PASSWORD,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/**
 * An ioredis connection as BullMQ requires it (`maxRetriesPerRequest: null`: blocking commands
 * must wait out a reconnect instead of failing), through Redis Sentinel when configured
 * (redisOptions). `overrides` replace those defaults for connections that must fail fast.
 */
export function createRedis(
  url: string,
  connectionName: string,
  overrides: RedisOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Redis {
  const target = redisOptions(url, env);
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName, lazyConnect: false, ...overrides };
  return typeof target === "string" ? new Redis(target, options) : new Redis({ ...target, ...options });
}

export type { Redis };
