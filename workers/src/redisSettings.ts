import type { Logger, Redis } from "@fedplat/runtime";

/** What the workers found out about their Redis at start. */
export interface RedisSettings {
  /** maxmemory-policy; undefined when CONFIG is not allowed (managed Redis often renames it). */
  maxmemoryPolicy?: string;
  /** Append-only file on. */
  aof: boolean;
  /** RDB snapshots on (a `save` schedule). */
  rdb: boolean;
}

/** Reads maxmemory-policy and persistence: INFO persistence works where CONFIG is disabled. */
export async function readRedisSettings(redis: Redis): Promise<RedisSettings> {
  const config = async (name: string) => {
    try {
      const [, value] = (await redis.config("GET", name)) as string[];
      return value;
    } catch {
      return undefined;
    }
  };
  const info = await redis.info("persistence");
  const aof = /^aof_enabled:1\s*$/m.test(info);
  const save = await config("save");
  return { maxmemoryPolicy: await config("maxmemory-policy"), aof, rdb: save !== undefined && save.trim() !== "" };
}

/**
 * Refuses (production) or warns about a Redis that may evict BullMQ's keys: with any policy but
 * noeviction, Redis under memory pressure deletes jobs, locks and markers silently (BullMQ's
 * documented requirement). Logs whether Redis keeps data across a restart (AOF, RDB): without
 * either, a restart loses every job, which the outbox reconciler re-publishes (docs/delivery.md).
 */
export async function checkRedisForQueues(
  redis: Redis,
  options: { production: boolean; logger: Pick<Logger, "info" | "warn"> },
): Promise<RedisSettings> {
  const settings = await readRedisSettings(redis);
  const { maxmemoryPolicy } = settings;
  if (maxmemoryPolicy === undefined) {
    options.logger.warn(
      "could not read Redis maxmemory-policy (CONFIG GET refused): make sure it is noeviction, or Redis may evict queued jobs",
    );
  } else if (maxmemoryPolicy !== "noeviction") {
    const problem = `Redis maxmemory-policy is ${maxmemoryPolicy}: BullMQ needs noeviction, or Redis evicts queued jobs under memory pressure (set maxmemory-policy noeviction)`;
    if (options.production) throw new Error(problem);
    options.logger.warn(problem);
  }
  const persistence = { aof: settings.aof ? "on" : "off", rdb: settings.rdb ? "on" : "off" };
  if (!settings.aof && !settings.rdb)
    options.logger.warn(
      persistence,
      "Redis persistence is off: a restart loses every job; the outbox reconciler re-publishes them (see docs/delivery.md)",
    );
  else options.logger.info(persistence, "Redis persistence");
  return settings;
}
