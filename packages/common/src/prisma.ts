import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

/** Pool size per process unless DB_POOL_MAX says otherwise. */
const DEFAULT_POOL_MAX = 10;

/**
 * Interactive transactions wait up to 10 s for a connection and may run 15 s (Prisma's defaults:
 * 2 s and 5 s). A worker runs up to WORKER_CONCURRENCY handlers on a pool of DB_POOL_MAX
 * connections, and handlers of the same row queue on its lock: under a burst, waiting a few
 * seconds for a connection is back-pressure, not a failure worth a retry.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

/** Every pool this process opened, by the schema it serves: read by the db_pool_connections metric. */
const pools = new Map<pg.Pool, string>();
/** The pool under each adapter, then under each client (see withSqlPool). */
const poolOfAdapter = new WeakMap<object, pg.Pool>();
const poolOfClient = new WeakMap<object, pg.Pool>();

/** Connections per pool: open (total), idle, and callers waiting for one. */
export function poolUsage(): Array<{ pool: string; max: number; total: number; idle: number; waiting: number }> {
  for (const pool of pools.keys()) if (pool.ended) pools.delete(pool); // closed by $disconnect
  return [...pools].map(([pool, schema]) => ({ pool: schema, max: pool.options.max ?? DEFAULT_POOL_MAX, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
}

export interface PrismaClientSettings {
  /**
   * Query events, so statements can be counted (db_statements_total, tests). Off in the workers:
   * Prisma serialises every statement's parameters into each event (a JSON.stringify with a
   * replacer), ~10 µs per event of a 100-event outbox batch, whether or not anyone listens.
   * @default true
   */
  queryEvents?: boolean;
}

/**
 * Constructor options for a service's generated PrismaClient: the pg driver adapter pinned to
 * the service's own PostgreSQL schema, and query events (unless turned off) so statements can be
 * counted. The pool is created here (not inside the adapter) so its usage can be exported as a metric.
 */
export function prismaClientOptions(url: string, schema: string, settings: PrismaClientSettings = {}) {
  const u = new URL(url);
  u.searchParams.delete("schema"); // the adapter option below decides the schema
  const max = Number(process.env.DB_POOL_MAX ?? DEFAULT_POOL_MAX);
  const pool = new pg.Pool({ connectionString: u.toString(), max });
  // An idle connection the server closed (a restart, a dropped database) is an 'error' event on
  // the pool; unhandled, it would end the process. The pool drops that connection and the next
  // query opens a new one.
  pool.on("error", () => undefined);
  pools.set(pool, schema);
  const adapter = new PrismaPg(pool, { schema, disposeExternalPool: true });
  poolOfAdapter.set(adapter, pool);
  const log: Array<{ emit: "event"; level: "query" }> = settings.queryEvents === false ? [] : [{ emit: "event", level: "query" }];
  return { adapter, log, transactionOptions: TRANSACTION_OPTIONS };
}

/**
 * Remembers the pg pool under `client` (made with `options`), for sqlPoolOf. $disconnect also
 * ends the pool when Prisma itself never used it (Prisma disposes its adapter only if it ran a
 * query), so connections opened through sqlPoolOf do not outlive the client.
 */
export function withSqlPool<C extends { $disconnect(): Promise<void> }>(client: C, options: { adapter: object }): C {
  const pool = poolOfAdapter.get(options.adapter);
  if (!pool) return client;
  poolOfClient.set(client, pool);
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  return client;
}

/**
 * The pg pool under a service's Prisma client: for the few hot paths that speak SQL to it
 * directly (the outbox relay, group-committed event batches), because through Prisma every
 * statement is compiled first and an interactive transaction costs several times the CPU of the
 * statements in it. Same connections, same limits, same pool metric.
 */
export function sqlPoolOf(client: object): pg.Pool {
  const pool = poolOfClient.get(client);
  if (!pool) throw new Error("sqlPoolOf: this Prisma client was not created with prismaClientOptions + withSqlPool");
  return pool;
}

/** Raw statements, shaped like Prisma's, so event-store code runs on either. */
export interface SqlStatements {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/**
 * Statements on `pool`, each on its own (no BEGIN/COMMIT: PostgreSQL commits a lone statement
 * atomically). For set-based statements that do a whole unit of work in one round trip.
 */
export function sqlStatements(pool: pg.Pool): SqlStatements {
  return {
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await pool.query(query, values)).rows as T,
    $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await pool.query(query, values)).rowCount ?? 0,
  };
}

/** Anything with Prisma's query event; each event is one SQL statement. */
export interface QueryEventSource {
  $on(event: "query", listener: () => void): unknown;
}

export function countStatements(client: QueryEventSource, onStatement: () => void): void {
  client.$on("query", onStatement);
}
