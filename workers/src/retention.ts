import type { Logger, Redis } from "@fedplat/common";
import { Queue, Worker } from "bullmq";

/** A connection source of one service's database (its client's pg pool). */
export interface RetentionSource {
  /** The service's PostgreSQL schema; a constant, never input. */
  schema: string;
  query(sql: string, values: unknown[]): Promise<{ rowCount: number | null }>;
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
}

export interface Pruned {
  schema: string;
  outbox: number;
  processed: number;
}

/**
 * The statement that deletes up to `$2` rows of `table` whose `column` is older than `$1`
 * milliseconds. Both tables index that column (the outbox's (published_at, created_at), and
 * processed_events' processed_at), so a prune reads only expired rows: without the index, each
 * run read all of processed_events, however few records had expired.
 */
export function pruneSql(schema: string, table: "outbox" | "processed_events"): string {
  if (!/^\w+$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const [key, column] = table === "outbox" ? ["id", "published_at"] : ["event_id", "processed_at"];
  const name = `"${schema}"."${table}"`;
  // Only settled rows: until every consumer has applied an event, its row is the one copy that
  // survives Redis losing the job (see reconciler.ts). A row not settled yet is marked published
  // again at each recheck, so it never looks old here; the filter only skips the few that wait.
  const settled = table === "outbox" ? " AND settled_at IS NOT NULL" : "";
  return `DELETE FROM ${name} WHERE ${key} IN (SELECT ${key} FROM ${name} WHERE ${column} < now() - $1::bigint * interval '1 millisecond'${settled} LIMIT $2)`;
}

/**
 * Deletes one service's settled outbox rows and processed-event records past their
 * retention, `batchSize` rows per statement until none is left.
 */
export async function pruneEventTables(source: RetentionSource, options: Pick<RetentionOptions, "outboxMs" | "processedMs" | "batchSize">): Promise<Pruned> {
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
  return { schema: source.schema, outbox, processed };
}

export const MAINTENANCE_QUEUE = "maintenance";
const PRUNE_JOB = "prune-event-tables";

export interface Retention {
  queue: Queue;
  close(): Promise<void>;
}

/**
 * Prunes every service's event tables every `intervalMs`, as a BullMQ job scheduler on the
 * maintenance queue: each worker process upserts the same scheduler, so however many run, one
 * prune runs per interval, and a failed prune is retried by the next one.
 */
export function startRetention(options: RetentionOptions & { redis: Redis; prefix: string; sources: RetentionSource[]; logger: Logger; onPruned?: (pruned: Pruned) => void }): Retention {
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: options.redis, prefix: options.prefix });
  queue.on("error", (error) => options.logger.debug({ err: error }, "maintenance queue connection error"));
  const schedule = () =>
    queue
      .upsertJobScheduler(PRUNE_JOB, { every: options.intervalMs }, { name: PRUNE_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } })
      .catch((error: unknown) => options.logger.warn({ err: error }, "could not schedule event-table pruning (retried in one interval)"));
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
        if (pruned.outbox + pruned.processed > 0) options.logger.info(pruned, "pruned event tables");
        results.push(pruned);
      }
      return results;
    },
    { connection: options.redis, prefix: options.prefix, concurrency: 1 },
  );
  worker.on("error", (error) => options.logger.error({ err: error }, "maintenance worker error"));
  worker.on("failed", (_job, error) => options.logger.warn({ err: error }, "pruning event tables failed; the next run retries"));
  return {
    queue,
    close: async () => {
      clearInterval(rescheduling);
      await worker.close();
      await queue.close();
    },
  };
}
