import type { Logger } from "@fedplat/runtime";
import { type Consumer, consumersOf, type DeadLetter, type Envelope, parseEnvelope } from "@fedplat/events";
import { outboxClaimSql } from "@fedplat/event-store";
import type { JobsOptions, Queue } from "bullmq";
import { OUTBOX_LETTERS } from "./deadLetters";
import { eventJobOptions, queueFor, type RetryPolicy } from "./jobOptions";
import { traceOptionsOf } from "./tracing";

/** A connection of the service's database (a pg PoolClient): plain SQL, no parameters needed. */
export interface RelayConnection {
  query(sql: string): Promise<unknown>;
  release(error?: Error | boolean): void;
}

export interface OutboxSource {
  service: Consumer;
  /** The service's PostgreSQL schema; a constant, never input. */
  schema: string;
  /**
   * A connection to the service's database. The relay speaks plain SQL to its own small pg pool:
   * through Prisma every statement is compiled first, which cost more CPU than the statement.
   */
  connect(): Promise<RelayConnection>;
}

export interface RelayOptions {
  sources: OutboxSource[];
  queues: Record<Consumer, Queue>;
  deadLetters: Queue;
  policy: RetryPolicy;
  logger: Logger;
  batchSize: number;
  /** Poll interval per source: the fallback for a missed wake-up (see outboxWakeups.ts). */
  intervalMs: number;
  onPublished?: (count: number) => void;
}

export interface Relay {
  /** Publishes one batch per service; resolves with how many events were published. */
  runOnce(): Promise<number>;
  /** Publishes `schema`'s outbox now (a committed outbox row was announced), not at the next poll. */
  wake(schema: string): void;
  start(): void;
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  envelope: unknown;
}

/** The job of `event` in `consumer`'s queue: the relay and the reconciler add the same one. */
export function eventJobOf(
  event: Envelope,
  consumer: Consumer,
  policy: RetryPolicy,
): { name: string; data: Envelope; opts: JobsOptions } {
  return {
    name: event.type,
    data: event,
    opts: { ...eventJobOptions(event.eventId, consumer, policy), ...traceOptionsOf(event) },
  };
}

/**
 * Publishes outbox rows to the consumers' queues (ROUTES) and marks them published. Rows are
 * claimed with FOR UPDATE SKIP LOCKED, so relays in several worker processes share the work;
 * if Redis is down the transaction rolls back, the rows stay unpublished and the next round
 * retries them: a committed event is never lost. Each source runs when woken (NOTIFY from the
 * transaction that wrote the rows) and at least every `intervalMs`; while a batch is full it
 * goes again at once. Published is not delivered: a row is settled only once every consumer has
 * applied it, and re-published if Redis lost its jobs meanwhile (reconciler.ts).
 */
export function createRelay(options: RelayOptions): Relay {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new Error(`relay batchSize must be a positive integer, got ${options.batchSize}`);
  for (const source of options.sources)
    if (!/^\w+$/.test(source.schema)) throw new Error(`invalid schema name ${source.schema}`);

  // BEGIN and the claim in one round trip (the simple query protocol takes several statements
  // but no parameters: the schema and the batch size are checked constants, never input).
  const claimSql = (schema: string) => `BEGIN; ${outboxClaimSql(schema, options.batchSize)}`;

  async function publish(source: OutboxSource, rows: OutboxRow[]): Promise<void> {
    const byQueue = new Map<Consumer, Array<{ name: string; data: unknown; opts: JobsOptions }>>();
    for (const row of rows) {
      let event;
      try {
        event = parseEnvelope(row.envelope);
      } catch (error) {
        // Cannot be delivered as it is: straight to the dead letters, with the reason.
        const letter: DeadLetter = {
          queue: OUTBOX_LETTERS,
          consumer: source.service,
          jobId: row.id,
          event: row.envelope,
          attempts: 0,
          errors: [String(error)],
          failedAt: new Date().toISOString(),
        };
        await options.deadLetters.add("dead-letter", letter, { jobId: `${OUTBOX_LETTERS}.${row.id}` });
        continue;
      }
      for (const consumer of consumersOf(event)) {
        const jobs = byQueue.get(consumer) ?? [];
        jobs.push(eventJobOf(event, consumer, options.policy));
        byQueue.set(consumer, jobs);
      }
    }
    await Promise.all([...byQueue].map(([consumer, jobs]) => queueFor(options.queues, consumer).addBulk(jobs)));
  }

  async function publishFrom(source: OutboxSource): Promise<number> {
    const connection = await source.connect();
    let broken: Error | undefined;
    try {
      const results = (await connection.query(claimSql(source.schema))) as Array<{ rows: OutboxRow[] }>;
      const rows = results[1]?.rows ?? [];
      try {
        if (rows.length > 0) await publish(source, rows);
      } catch (error) {
        await connection.query("ROLLBACK");
        throw error;
      }
      await connection.query("COMMIT");
      return rows.length;
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection whose transaction state is unknown is closed, not reused.
      connection.release(broken);
    }
  }

  async function roundOf(source: OutboxSource): Promise<number> {
    try {
      return await publishFrom(source);
    } catch (error) {
      options.logger.warn({ err: error, service: source.service }, "outbox relay round failed; will retry");
      return 0;
    }
  }

  const report = (published: number) => {
    if (published > 0) options.onPublished?.(published);
    return published;
  };

  /** One loop per source: a wake-up during a round makes it go again right after. */
  function loopOf(source: OutboxSource) {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let again = false;
    const run = (): void => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      clearTimeout(timer);
      running = (async () => {
        do {
          again = false;
          if (report(await roundOf(source)) >= options.batchSize) again = true;
        } while (again && !stopped);
      })().finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, options.intervalMs);
      });
    };
    const stop = async () => {
      clearTimeout(timer);
      await running;
    };
    return { run, stop };
  }

  let stopped = true;
  const loops = new Map(options.sources.map((source) => [source.schema, loopOf(source)]));
  return {
    runOnce: async () => report((await Promise.all(options.sources.map(roundOf))).reduce((sum, n) => sum + n, 0)),
    wake: (schema) => loops.get(schema)?.run(),
    start: () => {
      stopped = false;
      for (const loop of loops.values()) loop.run();
    },
    stop: async () => {
      stopped = true;
      await Promise.all([...loops.values()].map((loop) => loop.stop()));
    },
  };
}
