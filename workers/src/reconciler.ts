import type { Logger, Redis } from "@fedplat/runtime";
import { type Consumer, consumersOf, EVENT_TYPES, type EventType, parseEnvelope } from "@fedplat/events";
import {
  appliedEventsSql,
  concludeOutboxSql,
  outboxEnvelopesSql,
  quotedSchema,
  settleOutboxSql,
  unsettledClaimSql,
} from "@fedplat/event-store";
import type { Queue } from "bullmq";
import { queueFor, type RetryPolicy } from "./jobOptions";
import { eventJobOf } from "./relay";

/** A connection of a service's database (a pg PoolClient). */
export interface SqlConnection {
  query(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  release(error?: Error | boolean): void;
}

/** One service's database: its outbox (as a producer) and its processed_events (as a consumer). */
export interface ReconcileSource {
  service: Consumer;
  /** The service's PostgreSQL schema; a constant, never input. */
  schema: string;
  connect(): Promise<SqlConnection>;
  query(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface ReconcileSettings {
  /** How often each worker process runs a round; 0 turns the reconciler off. */
  intervalMs: number;
  /** A published row not yet applied everywhere is (re)checked this long after its (re)publication. */
  recheckMs: number;
  /** Rows per statement; a round goes on while batches come back full. */
  batchSize: number;
}

export interface ReconcileOptions extends ReconcileSettings {
  sources: ReconcileSource[];
  queues: Record<Consumer, Queue>;
  /** The connection the queues use: job look-ups are pipelined on it. */
  redis: Redis;
  policy: RetryPolicy;
  logger: Logger;
  onReconciled?: (round: Reconciled) => void;
}

/** What one batch of one producer's outbox came to. */
export interface Reconciled {
  schema: string;
  /** Rows applied by every consumer they are routed to: settled. */
  settled: number;
  /** Jobs Redis no longer had, added again (same job id). */
  republished: number;
  /** Rows still on their way (a job waits, is retried, or is in the failed set): rechecked later. */
  waiting: number;
}

export interface Reconciler {
  /**
   * One round over every producer's outbox, of rows published more than `dueAfterMs` ago
   * (default: recheckMs); 0 settles everything applied by now (the benchmark's end of a burst).
   */
  runOnce(dueAfterMs?: number): Promise<Reconciled[]>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The state of each job key in KEYS: 2 completed (BullMQ writes `returnvalue` only when a job
 * completes; a failed one gets `failedReason`), 1 held in any other state (every job hash has a
 * `timestamp`), 0 missing. One script per queue and round: as one command per job (an HMGET, or
 * before it a ZSCORE of the completed set plus an EXISTS) each pair cost several times the Node
 * CPU (a command object, its promise, its reply).
 */
const JOB_STATES_SCRIPT = `local states = {}
for i, key in ipairs(KEYS) do
  local fields = redis.call("HMGET", key, "returnvalue", "timestamp")
  states[i] = fields[1] and 2 or (fields[2] and 1 or 0)
end
return states`;

interface UnsettledRow {
  id: string;
  type: string;
  version: number | null;
}

const isEventType = (type: string): type is EventType => (EVENT_TYPES as readonly string[]).includes(type);

/**
 * Keeps the outbox the source of truth until every consumer has applied each event: Redis runs
 * without a guarantee to keep its jobs (a restart without persistence, an eviction, a FLUSHALL,
 * a failover to a replica that lagged), so a row counts as delivered (settled_at) only once each
 * consumer it is routed to recorded it in its processed_events (read through that consumer's
 * own pool) or its job completed. Each round, rows published more than `recheckMs` ago and not
 * settled are checked: those applied everywhere are settled; for the others, the jobs Redis no
 * longer has (no job key, pipelined EXISTS) are added again under the same job id (a no-op were
 * they there), and the rows are marked published now, so a job still waiting, retried or failed
 * is looked at again one `recheckMs` later, not every round. Handlers are idempotent: a
 * re-published event applies nothing twice. Rounds run in every worker process on a timer (not a
 * BullMQ scheduler: Redis losing its data would lose the scheduler too) and share the rows
 * through FOR UPDATE SKIP LOCKED.
 */
export function createReconciler(options: ReconcileOptions): Reconciler {
  for (const source of options.sources) quotedSchema(source.schema);
  const byService = new Map(options.sources.map((source) => [source.service, source]));
  // The consumers of each type and version (the registry is fixed): routesFor costs more per row than the rest of a round.
  const routeCache = new Map<string, readonly Consumer[] | undefined>();
  const routesOf = (row: UnsettledRow) => {
    const key = `${row.type}:${row.version}`;
    if (!routeCache.has(key))
      routeCache.set(
        key,
        isEventType(row.type) && row.version !== null
          ? consumersOf({ type: row.type, version: row.version })
          : undefined,
      );
    return routeCache.get(key);
  };

  /** The ids among `ids` that `consumer` recorded as applied. */
  async function appliedBy(consumer: Consumer, ids: string[]): Promise<Set<string>> {
    const source = byService.get(consumer);
    if (!source) throw new Error(`no database of consumer ${consumer}`);
    const { rows } = await source.query(appliedEventsSql(source.schema), [ids]);
    return new Set((rows as Array<{ id: string }>).map((row) => row.id));
  }

  /**
   * Per (row, consumer) pair not applied: "done" (the job completed), "queued" (Redis has the job)
   * or "missing". One script per queue reads every job's hash (JOB_STATES_SCRIPT); a job removed
   * after completing (removeOnComplete) is missing, and re-published.
   */
  async function jobStates(
    pairs: Array<{ id: string; consumer: Consumer }>,
  ): Promise<Array<"done" | "queued" | "missing">> {
    // Per queue: the job keys, and the index in `pairs` of each.
    const byQueue = new Map<Queue, { keys: string[]; indexes: number[] }>();
    pairs.forEach(({ id, consumer }, i) => {
      const queue = queueFor(options.queues, consumer);
      const jobs = byQueue.get(queue) ?? { keys: [], indexes: [] };
      jobs.keys.push(queue.toKey(id));
      jobs.indexes.push(i);
      byQueue.set(queue, jobs);
    });
    const states = new Array<"done" | "queued" | "missing">(pairs.length).fill("queued");
    await Promise.all(
      [...byQueue.values()].map(async ({ keys, indexes }) => {
        const codes = (await options.redis.eval(JOB_STATES_SCRIPT, keys.length, ...keys)) as number[];
        indexes.forEach((pairIndex, j) => {
          states[pairIndex] = codes[j] === 2 ? "done" : codes[j] === 1 ? "queued" : "missing";
        });
      }),
    );
    return states;
  }

  /** Adds the jobs of `missing` again (same job ids); returns how many. */
  async function republish(
    connection: SqlConnection,
    schema: string,
    missing: Array<{ id: string; consumer: Consumer }>,
  ): Promise<number> {
    const ids = [...new Set(missing.map((pair) => pair.id))];
    const { rows } = await connection.query(outboxEnvelopesSql(schema), [ids]);
    const envelopes = new Map((rows as Array<{ id: string; envelope: unknown }>).map((row) => [row.id, row.envelope]));
    const byQueue = new Map<Consumer, ReturnType<typeof eventJobOf>[]>();
    let republished = 0;
    for (const { id, consumer } of missing) {
      let event;
      try {
        event = parseEnvelope(envelopes.get(id));
      } catch {
        continue; // the relay dead-lettered it: it stays unsettled, as the record of an undeliverable event
      }
      const jobs = byQueue.get(consumer) ?? [];
      jobs.push(eventJobOf(event, consumer, options.policy));
      byQueue.set(consumer, jobs);
      republished++;
    }
    await Promise.all([...byQueue].map(([consumer, jobs]) => queueFor(options.queues, consumer).addBulk(jobs)));
    return republished;
  }

  /** One batch of `source`'s outbox, in one transaction that holds the batch's rows. */
  async function batchOf(source: ReconcileSource, dueAfterMs: number): Promise<Reconciled & { full: boolean }> {
    const connection = await source.connect();
    let broken: Error | undefined;
    try {
      const results = (await connection.query(
        `BEGIN; ${unsettledClaimSql(source.schema, dueAfterMs, options.batchSize)}`,
      )) as unknown as Array<{ rows: UnsettledRow[] }>;
      const rows = results[1]?.rows ?? [];
      const routes = new Map(rows.map((row) => [row.id, routesOf(row)]));
      // Not applied yet, per consumer: one look-up of its processed_events per consumer.
      const idsByConsumer = new Map<Consumer, string[]>();
      for (const [id, consumers] of routes) {
        for (const consumer of consumers ?? []) {
          const ids = idsByConsumer.get(consumer) ?? [];
          ids.push(id);
          idsByConsumer.set(consumer, ids);
        }
      }
      const applied = new Map(
        await Promise.all(
          [...idsByConsumer].map(async ([consumer, ids]) => [consumer, await appliedBy(consumer, ids)] as const),
        ),
      );
      const pending = [...idsByConsumer].flatMap(([consumer, ids]) =>
        ids.filter((id) => !applied.get(consumer)?.has(id)).map((id) => ({ id, consumer })),
      );
      // Rows with a consumer that has not applied them: settled only once their job completed.
      let unfinished = new Set(pending.map((pair) => pair.id));
      // Rows looked at this round (marked published now); while Redis is down, only the settled ones.
      let concluded = rows.map((row) => row.id);
      let republished = 0;
      let redisDown = false;
      if (pending.length > 0) {
        try {
          const states = await jobStates(pending);
          unfinished = new Set(pending.filter((_, i) => states[i] !== "done").map((pair) => pair.id));
          const missing = pending.filter((_, i) => states[i] === "missing");
          if (missing.length > 0) republished = await republish(connection, source.schema, missing);
        } catch (error) {
          // Redis is down: settle what is applied everywhere, look at the rest again next round.
          options.logger.warn(
            { err: error, service: source.service },
            "outbox reconciliation could not reach Redis; will retry",
          );
          concluded = rows.filter((row) => !unfinished.has(row.id)).map((row) => row.id);
          redisDown = true;
        }
      }
      // A row of an unknown type or version is not deliverable: it stays unsettled, as its record.
      const settled = rows.filter((row) => routes.get(row.id) && !unfinished.has(row.id)).map((row) => row.id);
      if (settled.length === concluded.length) {
        if (settled.length > 0) await connection.query(settleOutboxSql(source.schema), [settled]);
      } else {
        await connection.query(concludeOutboxSql(source.schema), [settled, concluded]);
      }
      await connection.query("COMMIT");
      return {
        schema: source.schema,
        settled: settled.length,
        republished,
        waiting: rows.length - settled.length,
        full: rows.length >= options.batchSize && !redisDown,
      };
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection whose transaction state is unknown is closed, not reused.
      connection.release(broken);
    }
  }

  async function roundOf(source: ReconcileSource, dueAfterMs: number): Promise<Reconciled> {
    const total: Reconciled = { schema: source.schema, settled: 0, republished: 0, waiting: 0 };
    try {
      for (;;) {
        const { full, ...batch } = await batchOf(source, dueAfterMs);
        total.settled += batch.settled;
        total.republished += batch.republished;
        total.waiting += batch.waiting;
        if (!full || stopping) break;
      }
    } catch (error) {
      options.logger.warn({ err: error, service: source.service }, "outbox reconciliation round failed; will retry");
    }
    if (total.republished > 0) options.logger.warn(total, "re-published events whose jobs Redis had lost");
    options.onReconciled?.(total);
    return total;
  }

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const runOnce = (dueAfterMs = options.recheckMs) =>
    Promise.all(options.sources.map((source) => roundOf(source, dueAfterMs)));
  const tick = () => {
    running = runOnce().finally(() => {
      running = undefined;
      if (!stopping) timer = setTimeout(tick, options.intervalMs);
    });
  };
  return {
    runOnce,
    start: () => {
      if (options.intervalMs <= 0) return;
      timer = setTimeout(tick, options.intervalMs);
    },
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await running;
    },
  };
}
