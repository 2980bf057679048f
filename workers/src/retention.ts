import type { Logger, Redis } from "@fedplat/runtime";
import { pruneSql } from "@fedplat/event-store";
import { Queue, Worker } from "bullmq";

/** A connection source of one service's database (its client's pg pool). */
export interface RetentionSource {
  /** The service's PostgreSQL schema; a constant, never input. */
  schema: string;
  query(sql: string, values: unknown[]): Promise<{ rowCount: number | null }>;
  /**
   * Set for a schema with an idempotency_keys table (orders): its rows older than this are
   * deleted. The service treats older keys as new anyway; pruning only keeps the table small.
   */
  idempotencyKeysMs?: number;
}

export interface RetentionOptions {
  /** Settled outbox rows published longer ago than this are deleted (unsettled rows never are). */
  outboxMs: number;
  /**
   * processed_events records older than this are deleted. It must outlast every late
   * redelivery (failed jobs are kept 7 days and can be retried from Bull Board until then):
   * an event whose record is gone would be applied again.
   */
  processedMs: number;
  /** How often one of the worker processes prunes; 0 turns pruning off. */
  intervalMs: number;
  /** Rows per DELETE: short statements, so pruning never holds many row locks for long. */
  batchSize: number;
  /**
   * Dead letters written longer ago than this are removed (DEAD_LETTER_RETENTION_DAYS). They
   * copy event data, some of it personal, and nothing else ever removes them. Unset: kept.
   */
  deadLettersMs?: number;
}

export interface Pruned {
  schema: string;
  outbox: number;
  processed: number;
  /** Only for a source with idempotencyKeysMs. */
  idempotencyKeys?: number;
}

/**
 * Deletes one service's settled outbox rows, processed-event records (and idempotency keys)
 * past their retention, `batchSize` rows per statement until none is left.
 */
export async function pruneEventTables(
  source: RetentionSource,
  options: Pick<RetentionOptions, "outboxMs" | "processedMs" | "batchSize">,
): Promise<Pruned> {
  const drain = async (sql: string, olderThanMs: number) => {
    let total = 0;
    for (;;) {
      const { rowCount } = await source.query(sql, [olderThanMs, options.batchSize]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < options.batchSize) return total;
    }
  };
  const outbox = await drain(pruneSql(source.schema, "outbox"), options.outboxMs);
  const processed = await drain(pruneSql(source.schema, "processed_events"), options.processedMs);
  if (source.idempotencyKeysMs === undefined) return { schema: source.schema, outbox, processed };
  const idempotencyKeys = await drain(pruneSql(source.schema, "idempotency_keys"), source.idempotencyKeysMs);
  return { schema: source.schema, outbox, processed, idempotencyKeys };
}

/**
 * Removes the dead letters written more than `olderThanMs` ago, `batchSize` per call. Dead letters
 * wait in their queue and are never processed, so BullMQ's clean of waiting jobs, by the time each
 * was added (the failure), is the whole of it; none is replayed or copied first.
 */
export async function pruneDeadLetters(deadLetters: Queue, olderThanMs: number, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await deadLetters.clean(olderThanMs, batchSize, "wait");
    total += removed.length;
    if (removed.length < batchSize) return total;
  }
}

export const MAINTENANCE_QUEUE = "maintenance";
const PRUNE_JOB = "prune-event-tables";

export interface Retention {
  queue: Queue;
  close(): Promise<void>;
}

/**
 * Prunes every service's event tables (and the dead letters, when given) every `intervalMs`, as a BullMQ job scheduler on the
 * maintenance queue: each worker process upserts the same scheduler, so however many run, one
 * prune runs per interval, and a failed prune is retried by the next one.
 */
export function startRetention(
  options: RetentionOptions & {
    redis: Redis;
    prefix: string;
    sources: RetentionSource[];
    deadLetters?: Queue;
    logger: Logger;
    onPruned?: (pruned: Pruned) => void;
    onDeadLettersPruned?: (count: number) => void;
  },
): Retention {
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: options.redis, prefix: options.prefix });
  queue.on("error", (error) => options.logger.debug({ err: error }, "maintenance queue connection error"));
  const schedule = () =>
    queue
      .upsertJobScheduler(
        PRUNE_JOB,
        { every: options.intervalMs },
        { name: PRUNE_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      )
      .catch((error: unknown) =>
        options.logger.warn({ err: error }, "could not schedule event-table pruning (retried in one interval)"),
      );
  schedule();
  // The scheduler lives in Redis: if Redis loses its data (docs/delivery.md), upserting it again
  // (a no-op while it exists) brings pruning back within one interval instead of at the next start.
  const rescheduling = setInterval(schedule, options.intervalMs);
  rescheduling.unref();
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async () => {
      const results: Pruned[] = [];
      for (const source of options.sources) {
        const pruned = await pruneEventTables(source, options);
        options.onPruned?.(pruned);
        if (pruned.outbox + pruned.processed + (pruned.idempotencyKeys ?? 0) > 0)
          options.logger.info(pruned, "pruned event tables");
        results.push(pruned);
      }
      if (options.deadLetters && options.deadLettersMs !== undefined) {
        const deadLetters = await pruneDeadLetters(options.deadLetters, options.deadLettersMs, options.batchSize);
        options.onDeadLettersPruned?.(deadLetters);
        if (deadLetters > 0) options.logger.info({ deadLetters }, "removed dead letters past their retention");
      }
      return results;
    },
    { connection: options.redis, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", (error) => options.logger.error({ err: error }, "maintenance worker error"));
  worker.on("failed", (_job, error) =>
    options.logger.warn({ err: error }, "pruning event tables failed; the next run retries"),
  );
  return {
    queue,
    close: async () => {
      clearInterval(rescheduling);
      await worker.close();
      await queue.close();
    },
  };
}
