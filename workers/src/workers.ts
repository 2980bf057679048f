import type { Logger, Redis } from "@fedplat/runtime";
import { type EventHandlers, type EventServiceModule, sqlPoolOf } from "@fedplat/event-store";
import { CONSUMERS, DEAD_LETTER_QUEUE, type LiveUpdatePublisher, noLiveUpdates, queueOf } from "@fedplat/events";
import type { OrdersPrisma } from "@fedplat/orders";
import { IDEMPOTENCY_KEY_TTL_MS } from "@fedplat/orders/workers";
import type { PrismaLike } from "@fedplat/subgraph";
import { EVENT_SERVICES } from "@fedplat/registry";
import { Queue, type Worker } from "bullmq";
import { startConsumer } from "./consumer";
import { loadEventServices } from "./eventServices";
import { type DeadLetterOps, deadLetterOps } from "./deadLetters";
import type { GroupCommitOptions } from "./groupCommit";
import type { RetryPolicy } from "./jobOptions";
import { type OrderExpiry, type OrderExpiryOptions, startOrderExpiry } from "./orderExpiry";
import { listenForOutboxRows } from "./outboxWakeups";
import { createReconciler, type Reconciled, type ReconcileSettings, type Reconciler } from "./reconciler";
import { createRelay, type OutboxSource, type Relay } from "./relay";
import { type Pruned, type Retention, type RetentionOptions, startRetention } from "./retention";
import { queueTelemetryIfTracing } from "./tracing";

/**
 * Each event service's one Prisma client, by service name: the relay reads its outbox, its
 * consumer applies its events. Which services, and how each is hosted, comes from services.json
 * and each service's own `eventService` export (eventServices.ts); the workers have no line per service.
 */
export type ServiceClients = Readonly<Record<string, PrismaLike>>;

/** A service the workers host (a name of services.json with events). */
export type WiredConsumer = string;

/**
 * The consumers of services.json. Throws naming each service the registry and the clients
 * disagree on: an unwired consumer would get no worker, an unwired producer's outbox no relay.
 */
export function checkWiring(clients: ServiceClients): readonly WiredConsumer[] {
  const wired = Object.keys(clients);
  const registered = EVENT_SERVICES.map((service) => service.name);
  const unwired = registered.filter((name) => !wired.includes(name));
  const unregistered = wired.filter((name) => !registered.includes(name));
  if (unwired.length || unregistered.length) {
    const problems = [
      unwired.length ? `without a client: ${unwired.join(", ")}` : "",
      unregistered.length ? `without events in services.json: ${unregistered.join(", ")}` : "",
    ];
    throw new Error(`the workers' services differ from services.json: ${problems.filter(Boolean).join("; ")}`);
  }
  return CONSUMERS;
}

/** One Prisma client per event service, each on the database `urlOf(service)` names. */
export function createServiceClients(
  urlOf: (service: WiredConsumer) => string,
  services: Readonly<Record<string, EventServiceModule>> = loadEventServices(),
): ServiceClients {
  // Nothing counts the workers' statements: no query events (see PrismaClientSettings).
  const settings = { queryEvents: false };
  return Object.fromEntries(
    Object.entries(services).map(([name, service]) => [
      name,
      service.createPrisma(urlOf(name), settings) as PrismaLike,
    ]),
  );
}

export interface WorkersOptions {
  redis: Redis;
  /** BullMQ key prefix. @default "fedplat" */
  prefix: string;
  clients: ServiceClients;
  /** Dependencies of particular services' handlers, by service name (payments: its PaymentProvider). */
  dependencies: Readonly<Record<string, unknown>>;
  policy: RetryPolicy;
  /** Jobs processed at once per queue. */
  concurrency: number;
  /** Batchable events applied together in one transaction under load; maxBatch 1 turns it off. @default { maxBatch: 100, maxInFlight: 2 } */
  groupCommit?: GroupCommitOptions;
  /** Job lock: a crashed worker's jobs are taken over after this. @default 30_000 */
  lockMs: number;
  relay: { intervalMs: number; batchSize: number };
  /** Re-publishing of events whose jobs Redis lost (see reconciler.ts). @default DEFAULT_RECONCILE */
  reconcile?: ReconcileSettings;
  onReconciled?: (round: Reconciled) => void;
  /** How long close() lets in-flight jobs finish before releasing them to other workers. @default 10_000 */
  closeGraceMs?: number;
  logger: Logger;
  /** Announces committed order, payment and notification changes to subscriptions and the gateways' caches. @default none */
  live?: LiveUpdatePublisher;
  onOutcome?: (consumer: string, type: string, outcome: "applied" | "duplicate" | "retry" | "dead") => void;
  onPublished?: (count: number) => void;
  /** Pruning of published outbox rows, old processed-event records and old dead letters; off when absent. */
  retention?: RetentionOptions;
  onPruned?: (pruned: Pruned) => void;
  /** Consumers' pauses while their database is unreachable. @default { initialMs: 500, maxMs: 5_000 } */
  outage?: { initialMs: number; maxMs: number };
  /** Called when a consumer pauses for an outage of its database, and when it resumes. */
  onOutage?: (queue: string, state: "paused" | "resumed") => void;
  /** The watchdog that cancels orders PENDING past their deadline; off when absent or its interval is 0. */
  orderExpiry?: OrderExpiryOptions;
  onOrdersExpired?: (count: number) => void;
  onDeadLettersPruned?: (count: number) => void;
}

export interface Workers {
  queues: Record<WiredConsumer, Queue>;
  deadLetters: Queue;
  deadLetterOps: DeadLetterOps;
  relay: Relay;
  reconciler: Reconciler;
  consumers: Worker[];
  /** The maintenance queue's pruning, when `retention` was given with an interval. */
  retention?: Retention;
  /** The pending-order watchdog's queue, when `orderExpiry` was given with an interval. */
  orderExpiry?: OrderExpiry;
  /** Stops the relay, lets in-flight jobs finish (or releases them), closes queues. */
  close(): Promise<void>;
}

function handlersFor(options: WorkersOptions): Record<WiredConsumer, EventHandlers> {
  const services = loadEventServices();
  const host = { live: options.live ?? noLiveUpdates, dependencies: options.dependencies };
  return Object.fromEntries(
    Object.entries(options.clients).map(([name, client]) => [
      name,
      services[name]?.createHandlers(client, host) ?? ({} as EventHandlers),
    ]),
  );
}

/**
 * A row is rechecked 30 s after its publication: far past a job's usual time in the queues
 * (milliseconds; a first retry comes after 1 s), so in steady state each row is read once, to be
 * settled; after Redis lost its jobs they are back within 30 s plus one 5 s interval.
 */
export const DEFAULT_RECONCILE: ReconcileSettings = { intervalMs: 5_000, recheckMs: 30_000, batchSize: 1_000 };

/** Each service's schema and the pg pool under its client: the relay, its wake-ups and pruning use them. */
function servicePools(clients: ServiceClients): Array<{ service: WiredConsumer; pool: ReturnType<typeof sqlPoolOf> }> {
  return (Object.entries(clients) as Array<[WiredConsumer, object]>).map(([service, client]) => ({
    service,
    pool: sqlPoolOf(client),
  }));
}

/**
 * A pool connection that may lose its server while checked out with no query running (the relay
 * holds one while it writes to Redis, the reconciler while it looks jobs up there): pg reports
 * that as an 'error' event on the client, which without a listener ended the process (seen when
 * PostgreSQL was stopped with `-m immediate`). Ignored here: the next query on the connection
 * fails, and the relay or reconciler releases it as broken.
 */
async function connectGuarded(pool: ReturnType<typeof sqlPoolOf>): Promise<import("pg").PoolClient> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on("error", ignore);
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    client.removeListener("error", ignore);
    client.release = release;
    return release.call(client, error);
  };
  return client;
}

/**
 * Graceful, but bounded: in-flight jobs get `graceMs` to finish; then the worker closes anyway
 * and their locks lapse, so another worker (or this one after a restart) takes them over.
 */
async function closeWithin(worker: Worker, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = worker.close().then(() => true);
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const closed = await Promise.race([graceful, expired]);
  clearTimeout(timer);
  if (!closed) await worker.close(true);
}

/**
 * How often a job may lose its worker (its lock lapsed: the process was killed, or starved long
 * enough) and run again before BullMQ fails it. A stall is the infrastructure's fault, not the
 * event's, and every handler is idempotent, so this only has to stop a job that kills every
 * worker that runs it (a poison job). At 3, six worker kills at concurrency 256 with 3 s locks
 * on a loaded machine dead-lettered 39-91 of 2,000 healthy sagas (tests/e2e/workerKills.e2e.test.ts):
 * each restart starved the other process past its lock. Past the limit BullMQ fails the job as
 * unrecoverable the next time a worker takes it, and the "failed" listener writes its dead letter.
 */
const MAX_STALLS = 10;

/** The relay, one worker per consumer queue, and the dead letters, started. */
export function startWorkers(options: WorkersOptions): Workers {
  const connection = options.redis;
  // Producers fail fast while Redis is down (no offline queue): the relay's transaction rolls
  // back at once and the outbox rows wait for the next round, instead of commands piling up.
  const queueConnection = options.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  queueConnection.on("error", () => undefined); // reported through the relay's failed rounds
  const telemetry = queueTelemetryIfTracing();
  const queueOptions = { connection: queueConnection, prefix: options.prefix, telemetry };
  const consumerNames = checkWiring(options.clients);
  const queues = Object.fromEntries(
    consumerNames.map((consumer) => [consumer, new Queue(queueOf(consumer), queueOptions)]),
  ) as Record<WiredConsumer, Queue>;
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, queueOptions);
  // Connection errors while Redis is down are expected and retried; without a listener BullMQ
  // prints each one to the console.
  for (const queue of [...Object.values(queues), deadLetters])
    queue.on("error", (error) => options.logger.debug({ err: error, queue: queue.name }, "queue connection error"));
  const handlers = handlersFor(options);
  const consumers = consumerNames.map((consumer) =>
    startConsumer({
      consumer,
      queueName: queueOf(consumer),
      handlers: handlers[consumer] ?? {},
      deadLetters,
      logger: options.logger,
      worker: {
        connection,
        prefix: options.prefix,
        telemetry,
        concurrency: options.concurrency,
        lockDuration: options.lockMs,
        stalledInterval: Math.min(options.lockMs, 30_000),
        maxStalledCount: MAX_STALLS,
      },
      groupCommit: options.groupCommit ?? { maxBatch: 100, maxInFlight: 2 },
      outage: options.outage,
      onOutcome: options.onOutcome,
      onOutage: options.onOutage,
    }),
  );
  const pools = servicePools(options.clients);
  // Outbox sources: every service that produces events, on its own schema, read through its client's pool.
  const sources: OutboxSource[] = pools.map(({ service, pool }) => ({
    service,
    schema: service,
    connect: () => connectGuarded(pool),
  }));
  const relay = createRelay({
    sources,
    queues,
    deadLetters,
    policy: options.policy,
    logger: options.logger,
    ...options.relay,
    onPublished: options.onPublished,
  });
  relay.start();
  const reconciler = createReconciler({
    ...(options.reconcile ?? DEFAULT_RECONCILE),
    sources: pools.map(({ service, pool }) => ({
      service,
      schema: service,
      connect: () => connectGuarded(pool),
      query: (sql: string, values?: unknown[]) => pool.query(sql, values),
    })),
    queues,
    redis: queueConnection,
    policy: options.policy,
    logger: options.logger,
    onReconciled: options.onReconciled,
  });
  reconciler.start();
  const wakeups = listenForOutboxRows(
    pools.map(({ pool }) => pool.options),
    relay.wake,
    sources.map((source) => source.schema),
    options.logger,
  );
  const retention =
    options.retention && options.retention.intervalMs > 0
      ? startRetention({
          ...options.retention,
          redis: connection,
          prefix: options.prefix,
          sources: pools.map(({ service, pool }) => ({
            schema: service,
            query: (sql: string, values: unknown[]) => pool.query(sql, values),
            // Only orders keeps idempotency keys (placeOrder, cancelOrder).
            ...(service === "orders" ? { idempotencyKeysMs: IDEMPOTENCY_KEY_TTL_MS } : {}),
          })),
          deadLetters,
          logger: options.logger,
          onPruned: options.onPruned,
          onDeadLettersPruned: options.onDeadLettersPruned,
        })
      : undefined;
  const orderExpiry =
    options.orderExpiry && options.orderExpiry.intervalMs > 0
      ? startOrderExpiry({
          ...options.orderExpiry,
          redis: connection,
          prefix: options.prefix,
          // The pending-order watchdog is orders' own job, hosted here (orderExpiry.ts).
          orders: options.clients.orders as unknown as OrdersPrisma,
          live: options.live,
          logger: options.logger,
          onExpired: options.onOrdersExpired,
        })
      : undefined;
  const byName = new Map(Object.values(queues).map((queue) => [queue.name, queue]));
  return {
    queues,
    deadLetters,
    deadLetterOps: deadLetterOps(deadLetters, (name) => byName.get(name), options.policy),
    relay,
    reconciler,
    consumers,
    retention,
    orderExpiry,
    close: async () => {
      await orderExpiry?.close();
      await retention?.close();
      await wakeups.close();
      await relay.stop();
      await reconciler.stop();
      await Promise.all(consumers.map((worker) => closeWithin(worker, options.closeGraceMs ?? 10_000)));
      await Promise.all([...Object.values(queues), deadLetters].map((queue) => queue.close()));
      queueConnection.disconnect();
    },
  };
}
