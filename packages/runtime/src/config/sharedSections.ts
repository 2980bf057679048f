import { z } from "zod";
import { envVars } from "./envVars";
import { loadConfig } from "./loadConfig";
import { defineSection } from "./section";

/** What every process of the platform reads: its mode, log level and admin endpoints. */
export const processSection = defineSection({
  path: "process",
  schema: z.object({
    nodeEnv: envVars.nodeEnv.describe(
      "development, test or production (production: admin port, trusted documents enforced, stricter checks)",
    ),
    logLevel: envVars.logLevel.describe("pino log level"),
    adminPort: envVars
      .port(9464)
      .describe(
        "Production only: /metrics and /health/* listen on this port, off the public one (`npm start` gives each process its own)",
      ),
    adminHost: z.string().min(1).default("0.0.0.0").describe("Production only: the interface the admin port binds"),
    idleMemoryReleaseMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        "After this long with a quiet event loop, a process gives its unused heap back to the system once (idleMemory.ts); 0 never",
      ),
    supervised: z
      .enum(["stdin"])
      .optional()
      .describe("Set by `npm start` and the test supervisor: the process ends when its supervisor's stdin pipe closes"),
  }),
  env: {
    names: {
      nodeEnv: "NODE_ENV",
      logLevel: "LOG_LEVEL",
      adminPort: "ADMIN_PORT",
      adminHost: "ADMIN_HOST",
      idleMemoryReleaseMs: "IDLE_MEMORY_RELEASE_MS",
      supervised: "FEDPLAT_SUPERVISED",
    },
  },
});

/**
 * Redis, for BullMQ, live updates, rate limits and caches. Redis Sentinel, by configuration: with
 * `sentinels` set, every connection asks the sentinels for the current primary of `sentinelName`
 * and follows a failover; `url` then gives only the primary's credentials, database and TLS.
 */
export const redisSection = defineSection({
  path: "redis",
  schema: z.object({
    url: envVars.redisUrl.describe("redis:// or rediss:// URL (user and password in it when Redis has ACLs)"),
    sentinels: z
      .string()
      .regex(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/, "must be host:port,host:port")
      .optional()
      .describe("Sentinels as host:port,host:port; unset: the URL's host is the Redis"),
    sentinelName: z.string().min(1).default("mymaster").describe("The primary's name in the sentinels' configuration"),
    sentinelPassword: z.string().optional().describe("The sentinels' own password (requirepass in sentinel.conf)"),
  }),
  env: { prefix: "REDIS_", names: { url: "REDIS_URL" } },
  secrets: ["sentinelPassword"],
});

/** PostgreSQL: one database (URL) per service, each service in its own schema. */
export const databaseSection = defineSection({
  path: "database",
  schema: z.object({
    url: envVars.postgresUrl.describe("The database of every service without its own URL"),
    urls: z
      .record(z.string(), envVars.postgresUrl)
      .default({})
      .describe("Per service (ORDERS: postgresql://...): a service's own database"),
    poolMax: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000)
      .default(10)
      .describe("Connections per Prisma client pool (each service process has one per database it uses)"),
  }),
  env: { names: { url: "DATABASE_URL", poolMax: "DB_POOL_MAX" } },
  envMaps: [{ option: "urls", pattern: /^([A-Z][A-Z0-9]*)_DATABASE_URL$/ }],
  secrets: ["url", "urls"],
});

/** The database URL of one service: `<SERVICE>_DATABASE_URL`, else DATABASE_URL, else the local default. */
export function serviceDatabaseUrl(service: string, env?: NodeJS.ProcessEnv): string {
  const { database } = loadConfig({ database: databaseSection }, env ? { env, file: false } : {});
  return database.urls[service.toUpperCase()] ?? database.url;
}
