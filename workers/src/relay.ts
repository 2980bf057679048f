import type { Logger } from "@fedplat/common";
import { type Consumer, consumersOf, type DeadLetter, parseEnvelope } from "@fedplat/events";
import type { JobsOptions, Queue } from "bullmq";
import { eventJobOptions, type RetryPolicy } from "./jobOptions";
import { traceOptionsOf } from "./tracing";

/** What the relay needs of a service's database: raw statements inside one transaction. */
export interface RawTransaction {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

export interface OutboxSource {
  service: Consumer;
  /** The service's PostgreSQL schema; a constant, never input. */
  schema: string;
  transaction<R>(fn: (tx: RawTransaction) => Promise<R>): Promise<R>;
}

export interface RelayOptions {
  sources: OutboxSource[];
  queues: Record<Consumer, Queue>;
  deadLetters: Queue;
  policy: RetryPolicy;
  logger: Logger;
  batchSize: number;
  intervalMs: number;
  onPublished?: (count: number) => void;
}

export interface Relay {
  /** Publishes one batch per service; resolves with how many events were published. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Publishes outbox rows to the consumers' queues (ROUTES) and marks them published. Rows are
 * claimed with FOR UPDATE SKIP LOCKED, so relays in several worker processes share the work;
 * if Redis is down the transaction rolls back, the rows stay unpublished and the next round
 * retries them: a committed event is never lost.
 */
export function createRelay(options: RelayOptions): Relay {
  async function publishFrom(source: OutboxSource): Promise<number> {
    if (!/^\w+$/.test(source.schema)) throw new Error(`invalid schema name ${source.schema}`);
    return source.transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<Array<{ id: string; envelope: unknown }>>(
        `SELECT id::text AS id, envelope FROM "${source.schema}"."outbox" WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        options.batchSize,
      );
      if (rows.length === 0) return 0;
      const byQueue = new Map<Consumer, Array<{ name: string; data: unknown; opts: JobsOptions }>>();
      for (const row of rows) {
        let event;
        try {
          event = parseEnvelope(row.envelope);
        } catch (error) {
          // Cannot be delivered as it is: straight to the dead letters, with the reason.
          const letter: DeadLetter = { queue: "outbox", consumer: source.service, jobId: row.id, event: row.envelope, attempts: 0, errors: [String(error)], failedAt: new Date().toISOString() };
          await options.deadLetters.add("dead-letter", letter, { jobId: `outbox.${row.id}` });
          continue;
        }
        for (const consumer of consumersOf(event)) {
          const jobs = byQueue.get(consumer) ?? [];
          jobs.push({ name: event.type, data: event, opts: { ...eventJobOptions(event.eventId, consumer, options.policy), ...traceOptionsOf(event) } });
          byQueue.set(consumer, jobs);
        }
      }
      for (const [consumer, jobs] of byQueue) await options.queues[consumer].addBulk(jobs);
      await tx.$executeRawUnsafe(`UPDATE "${source.schema}"."outbox" SET published_at = now() WHERE id = ANY($1::uuid[])`, rows.map((row) => row.id));
      return rows.length;
    });
  }

  async function runOnce(): Promise<number> {
    const counts = await Promise.all(
      options.sources.map((source) =>
        publishFrom(source).catch((error: unknown) => {
          options.logger.warn({ err: error, service: source.service }, "outbox relay round failed; will retry");
          return 0;
        }),
      ),
    );
    const published = counts.reduce((sum, n) => sum + n, 0);
    if (published > 0) options.onPublished?.(published);
    return published;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const loop = () => {
    running = runOnce().then((published) => {
      // A full batch means more is waiting: go again at once; otherwise poll.
      if (!stopped) timer = setTimeout(loop, published >= options.batchSize ? 0 : options.intervalMs);
    });
  };
  return {
    runOnce,
    start: () => {
      stopped = false;
      loop();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
