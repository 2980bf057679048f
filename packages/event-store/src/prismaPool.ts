/**
 * The event store's SQL fast path: each service's pg pool, made here and handed to Prisma's driver
 * adapter, so the hot paths can send raw statements on the same connections (sqlPoolOf, sqlOf).
 *
 * Prisma exposes no handle on a transaction's connection, so this module relies on these Prisma
 * 6.19 internals (checked by packages/event-store/test/prismaAdapter.int.test.ts and
 * workers/test/prismaClientInternals.int.test.ts, which fail by name the day one changes):
 * - @prisma/adapter-pg's startTransaction() takes its connection with pool.connect() (no
 *   callback), called in the async context of the $transaction(fn) call (trackTransactionConnections);
 * - it sends "BEGIN" as the text of the first query on that connection, and PrismaClient ends
 *   the transaction with "COMMIT" or "ROLLBACK" sent as query texts on it;
 * - the adapter's commit() and rollback() then call release() on that connection, once; on a
 *   failed COMMIT/ROLLBACK it never does (releasedWhenBroken);
 * - PrismaClient.$transaction(fn) calls fn with a transaction client (the `tx`) made for that
 *   call, and passes its second argument on as options (withSqlPool);
 * - PrismaClient.$disconnect() disposes the adapter (and so, with disposeExternalPool, the pool)
 *   only if the client ran a query (withSqlPool);
 * - PrismaClient emits one "query" event per statement when constructed with log: query events
 *   (countStatements).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { databaseSection, loadConfig, type PoolUsage, reportPoolUsage } from "@fedplat/runtime";
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
reportPoolUsage(poolUsage);

/** Connections per pool: open (total), idle, and callers waiting for one (the db_pool_connections metric). */
function poolUsage(): PoolUsage[] {
  for (const pool of pools.keys()) if (pool.ended) pools.delete(pool); // closed by $disconnect
  return [...pools].map(([pool, schema]) => ({
    pool: schema,
    max: pool.options.max ?? DEFAULT_POOL_MAX,
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  }));
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
  const max = loadConfig({ database: databaseSection }).database.poolMax;
  // Prisma's maxWait does not bound the wait for a connection (it checks the time only once one
  // arrives), so the pool bounds it: a caller waits at most as long as a transaction may wait,
  // then fails ("timeout exceeded when trying to connect", which the consumers treat as an outage).
  const pool = new pg.Pool({
    connectionString: u.toString(),
    max,
    connectionTimeoutMillis: TRANSACTION_OPTIONS.maxWait,
  });
  // An idle connection the server closed (a restart, a dropped database) is an 'error' event on
  // the pool; unhandled, it would end the process. The pool drops that connection and the next
  // query opens a new one.
  pool.on("error", () => undefined);
  // The same on a connection that is checked out (a Prisma transaction holds one between its
  // statements): pg listens for errors only on idle connections, so a server that went away at
  // that moment ended the process (seen when PostgreSQL was stopped with `-m immediate` under
  // load). The transaction's next statement fails instead, and the pool discards the connection.
  pool.on("connect", (client) => client.on("error", () => undefined));
  pools.set(pool, schema);
  trackTransactionConnections(pool);
  const adapter = new PrismaPg(pool, { schema, disposeExternalPool: true });
  poolOfAdapter.set(adapter, pool);
  const log: Array<{ emit: "event"; level: "query" }> =
    settings.queryEvents === false ? [] : [{ emit: "event", level: "query" }];
  return { adapter, log, transactionOptions: TRANSACTION_OPTIONS };
}

/** An interactive transaction's own pg connection, from its BEGIN until its COMMIT or ROLLBACK. */
interface OpenTransaction {
  /** The pool the transaction's connection comes from. */
  pool: pg.Pool;
  client?: pg.PoolClient;
  /** Prisma sent BEGIN on `client`: it is the transaction's connection, not some other. */
  begun: boolean;
  ended: boolean;
}
/** Set while a client's $transaction opens its transaction (see withSqlPool). */
const openingTransaction = new AsyncLocalStorage<OpenTransaction>();
/** Each Prisma transaction client (the `tx` of $transaction(fn)), to its connection. */
const transactionOfClient = new WeakMap<object, OpenTransaction>();

/**
 * Notes the connection the Prisma adapter takes for an interactive transaction (it calls
 * pool.connect() while $transaction starts, in the caller's async context, then sends BEGIN on
 * it), and when that transaction ends: from the moment its COMMIT or ROLLBACK is queued on the
 * connection, a statement sent through sqlOf(tx) fails instead of running outside the
 * transaction. Written by hand because Prisma exposes no handle on a transaction's connection;
 * if its adapter stops working this way, sqlOf(tx) finds no BEGIN and callers use Prisma.
 * Every connection checked out this way (Prisma's transactions, the hot paths' own) is also
 * released when it breaks (releasedWhenBroken).
 */
function trackTransactionConnections(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  pool.connect = ((callback?: unknown) => {
    if (callback !== undefined) return connect(callback); // pool.query's own checkout: it releases on errors itself
    const opening = openingTransaction.getStore();
    if (!opening || opening.client) return connect().then(releasedWhenBroken);
    return connect()
      .then(releasedWhenBroken)
      .then((client) => {
        opening.client = client;
        const query = client.query;
        client.query = function (this: pg.PoolClient, ...args: unknown[]) {
          const [config] = args;
          const text = typeof config === "string" ? config : (config as { text?: string } | undefined)?.text;
          if (text === "BEGIN") opening.begun = true;
          else if (text === "COMMIT" || text === "ROLLBACK") opening.ended = true;
          return (query as (...a: unknown[]) => unknown).apply(this, args);
        } as typeof client.query;
        const release = client.release;
        client.release = (error?: Error | boolean) => {
          opening.ended = true;
          client.query = query;
          client.release = release;
          return release(error);
        };
        return client;
      });
  }) as typeof pool.connect;
}

/**
 * Gives a checked-out connection back to the pool, as broken, the moment its server goes away.
 * Prisma 6.19 releases a transaction's connection only after its COMMIT or ROLLBACK succeeded:
 * when PostgreSQL crashed mid-transaction the ROLLBACK fails, the connection was never released,
 * and the pool counted it as in use forever. Once a crash had taken every connection of a pool
 * that way, every later transaction waited for one forever (workers/test/poolAfterCrash.int.test.ts).
 * The holder's own release() afterwards does nothing.
 */
function releasedWhenBroken(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  let released = false;
  const onEnd = () => {
    if (released) return;
    released = true;
    release(new Error("connection ended while checked out"));
  };
  client.once("end", onEnd);
  client.release = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    client.removeListener("end", onEnd);
    return release(error);
  };
  return client;
}

/**
 * Remembers the pg pool under `client` (made with `options`), for sqlPoolOf and sqlOf.
 * $transaction(fn) also notes which connection each transaction runs on (for sqlOf(tx)).
 * $disconnect also ends the pool when Prisma itself never used it (Prisma disposes its adapter
 * only if it ran a query), so connections opened through sqlPoolOf do not outlive the client.
 */
export function withSqlPool<C extends { $disconnect(): Promise<void> }>(client: C, options: { adapter: object }): C {
  const pool = poolOfAdapter.get(options.adapter);
  if (!pool) return client;
  poolOfClient.set(client, pool);
  const transaction = (
    client as unknown as { $transaction: (arg: unknown, options?: unknown) => Promise<unknown> }
  ).$transaction.bind(client);
  (client as unknown as { $transaction: unknown }).$transaction = (arg: unknown, options?: unknown) => {
    if (typeof arg !== "function") return transaction(arg, options);
    const opening: OpenTransaction = { pool, begun: false, ended: false };
    return openingTransaction.run(opening, () =>
      transaction((tx: object) => {
        transactionOfClient.set(tx, opening);
        return (arg as (tx: object) => unknown)(tx);
      }, options),
    );
  };
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
  return statementsOn(pool, (query, values) => pool.query(prepared(query, values)));
}

/** countStatements' listeners, by the pool under the client they count: they also count the statements sent past Prisma. */
const statementListeners = new WeakMap<pg.Pool, Array<() => void>>();

function statementsOn(
  pool: pg.Pool,
  run: (query: string, values: unknown[]) => Promise<pg.QueryResult>,
): SqlStatements {
  const counted = (query: string, values: unknown[]) => {
    for (const onStatement of statementListeners.get(pool) ?? []) onStatement();
    return run(query, values);
  };
  return {
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await counted(query, values)).rows as T,
    $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await counted(query, values)).rowCount ?? 0,
  };
}

/** Distinct statement texts prepared by name; beyond this, statements go unnamed (parsed and planned each time). */
const MAX_PREPARED = 500;
const statementNames = new Map<string, string>();

/**
 * A named (prepared) statement: each connection parses and plans it once, then reuses the
 * plan. The hot paths' statements are set-based CTEs over json parameters, whose planning took
 * PostgreSQL longer than running them on a 100-event batch (0.4 ms against 0.1 ms for the
 * relay's claim); prepared, PostgreSQL's CPU per event of the event pipeline fell by about an
 * eighth (bench/events.ts). The texts are the code's constants, so the set stays small; the cap
 * guards against a caller that builds texts from data.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_PREPARED) {
    name = `fedplat_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name ? { name, text, values } : { text, values };
}

/**
 * Raw statements that skip Prisma's per-statement compile (its query compiler handles a json
 * parameter at ~55 ns per byte: ~15 µs per event of a 100-event outbox write), on the
 * connection Prisma would have used: the open transaction of `client` when it is a `tx` of
 * $transaction(fn) on a client made with withSqlPool, or the pool of such a client. Undefined
 * otherwise (the caller then goes through Prisma). Rows come back as pg returns them (no Prisma
 * type mapping), and Prisma's query events do not see these statements (countStatements does).
 */
export function sqlOf(client: object): SqlStatements | undefined {
  const open = transactionOfClient.get(client);
  if (open) {
    const connection = open.client;
    if (!connection || !open.begun) return undefined;
    return statementsOn(open.pool, (query, values) =>
      open.ended
        ? Promise.reject(new Error("Transaction already closed: a statement was sent after its COMMIT or ROLLBACK"))
        : connection.query(prepared(query, values)),
    );
  }
  const pool = poolOfClient.get(client);
  return pool ? sqlStatements(pool) : undefined;
}

/** Anything with Prisma's query event; each event is one SQL statement. */
export interface QueryEventSource {
  $on(event: "query", listener: () => void): unknown;
}

/**
 * Calls `onStatement` for each SQL statement `client` sends: Prisma's (its query events) and
 * those sent past Prisma on the same pool (sqlOf, sqlStatements), such as outbox writes.
 */
export function countStatements(client: QueryEventSource, onStatement: () => void): void {
  client.$on("query", onStatement);
  const pool = poolOfClient.get(client);
  if (pool) statementListeners.set(pool, [...(statementListeners.get(pool) ?? []), onStatement]);
}
