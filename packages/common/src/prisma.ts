import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

/** Pool size per process unless DB_POOL_MAX says otherwise. */
const DEFAULT_POOL_MAX = 10;

/** Every pool this process opened, by the schema it serves: read by the db_pool_connections metric. */
const pools = new Map<pg.Pool, string>();

/** Connections per pool: open (total), idle, and callers waiting for one. */
export function poolUsage(): Array<{ pool: string; max: number; total: number; idle: number; waiting: number }> {
  for (const pool of pools.keys()) if (pool.ended) pools.delete(pool); // closed by $disconnect
  return [...pools].map(([pool, schema]) => ({ pool: schema, max: pool.options.max ?? DEFAULT_POOL_MAX, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
}

/**
 * Constructor options for a service's generated PrismaClient: the pg driver adapter pinned to
 * the service's own PostgreSQL schema, and query events on so statements can be counted. The
 * pool is created here (not inside the adapter) so its usage can be exported as a metric.
 */
export function prismaClientOptions(url: string, schema: string) {
  const u = new URL(url);
  u.searchParams.delete("schema"); // the adapter option below decides the schema
  const max = Number(process.env.DB_POOL_MAX ?? DEFAULT_POOL_MAX);
  const pool = new pg.Pool({ connectionString: u.toString(), max });
  pools.set(pool, schema);
  return {
    adapter: new PrismaPg(pool, { schema, disposeExternalPool: true }),
    log: [{ emit: "event" as const, level: "query" as const }],
  };
}

/** Anything with Prisma's query event; each event is one SQL statement. */
export interface QueryEventSource {
  $on(event: "query", listener: () => void): unknown;
}

export function countStatements(client: QueryEventSource, onStatement: () => void): void {
  client.$on("query", onStatement);
}
