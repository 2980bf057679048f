import { Redis, type RedisOptions } from "ioredis";
import { loadConfig, redisSection } from "./config";

/**
 * ioredis options of `url`, through Redis Sentinel when the configuration's redis section (or
 * `env`, in tests) names sentinels: see redisSection.
 */
export function redisOptions(url: string, env?: NodeJS.ProcessEnv): RedisOptions | string {
  const { redis } = loadConfig({ redis: redisSection }, env ? { env, file: false } : {});
  if (!redis.sentinels) return url;
  const u = new URL(url);
  const tls = u.protocol === "rediss:";
  return {
    sentinels: redis.sentinels.split(",").map((address) => {
      const [host, port] = address.split(":");
      return { host: host ?? "", port: Number(port) };
    }),
    name: redis.sentinelName,
    sentinelPassword: redis.sentinelPassword,
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
  env?: NodeJS.ProcessEnv,
): Redis {
  const target = redisOptions(url, env);
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName, lazyConnect: false, ...overrides };
  return typeof target === "string" ? new Redis(target, options) : new Redis({ ...target, ...options });
}

export type { Redis };
