import {
  adminListenerOf,
  createLogger,
  createMetrics,
  createRedis,
  exitOnStartFailure,
  loadDotEnv,
  onShutdown,
  redactUrl,
  serviceDatabaseUrl,
} from "@fedplat/runtime";
import { createTokenVerifier, parseSigningKeys } from "@fedplat/auth";
import { databaseCheck } from "@fedplat/subgraph";
import { createGatewayAdminLogin } from "./adminLogin";
import {
  createLiveUpdatePublisher,
  eventPiiCipherOf,
  installEventKeyring,
  installEventPiiCipher,
} from "@fedplat/events";
import { simulatedProvider } from "@fedplat/payments";
import { Counter, Gauge } from "prom-client";
import { buildWorkersAdmin } from "./admin";
import type { AccountsPrisma } from "@fedplat/accounts";
import { accountsSessionState, createAdminSessionCheck } from "./adminSessions";
import { redisAuditLog } from "@fedplat/operations";
import { loadWorkersConfig, retryPolicyOf, workersKeyringOf } from "./config";
import { checkRedisForQueues } from "./redisSettings";
import { createServiceClients, startWorkers } from "./workers";

const logger = createLogger("workers");

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadWorkersConfig();
  installEventKeyring(workersKeyringOf(config));
  installEventPiiCipher(eventPiiCipherOf(config)); // a missing or malformed key stops the start, naming the variable
  const redis = createRedis(config.REDIS_URL, "fedplat-workers");
  redis.on("error", (error) =>
    logger.warn({ err: error, redis: redactUrl(config.REDIS_URL) }, "redis connection error"),
  );
  await checkRedisForQueues(redis, { production: config.NODE_ENV === "production", logger });
  const clients = createServiceClients(serviceDatabaseUrl);
  const paymentProvider = simulatedProvider(config.PAYMENT_PROVIDER_DATABASE_URL ?? serviceDatabaseUrl("payments"), {
    failureRate: config.PAYMENT_FAILURE_RATE,
    latencyMs: config.PAYMENT_LATENCY_MS,
  });
  const metrics = createMetrics("workers");
  const processed = new Counter({
    name: "events_processed_total",
    help: "Event deliveries by consumer, type and outcome",
    labelNames: ["consumer", "type", "outcome"] as const,
    registers: [metrics.registry],
  });
  const published = new Counter({
    name: "outbox_published_total",
    help: "Outbox events published to queues",
    registers: [metrics.registry],
  });
  const deadLettersPruned = new Counter({
    name: "dead_letters_pruned_total",
    help: "Dead letters removed past DEAD_LETTER_RETENTION_DAYS",
    registers: [metrics.registry],
  });
  const reconciled = new Counter({
    name: "outbox_reconciled_total",
    help: "Outbox events settled (applied by every consumer) and re-published (Redis had lost their jobs)",
    labelNames: ["service", "outcome"] as const,
    registers: [metrics.registry],
  });
  const pruned = new Counter({
    name: "event_rows_pruned_total",
    help: "Published outbox rows and processed-event records deleted past their retention",
    labelNames: ["service", "table"] as const,
    registers: [metrics.registry],
  });
  const paused = new Gauge({
    name: "consumer_paused",
    help: "1 while a consumer takes no jobs because its database is unreachable",
    labelNames: ["queue"] as const,
    registers: [metrics.registry],
  });
  const outages = new Counter({
    name: "consumer_outages_total",
    help: "Outages of a consumer's database (each paused the consumer until it was back)",
    labelNames: ["queue"] as const,
    registers: [metrics.registry],
  });
  const expired = new Counter({
    name: "orders_expired_total",
    help: "Orders cancelled by the watchdog because they stayed PENDING past ORDER_PENDING_DEADLINE_MS",
    registers: [metrics.registry],
  });
  // Live updates are best effort: while Redis is down a publish fails fast instead of holding the job.
  const liveRedis = redis.duplicate({ maxRetriesPerRequest: 1, connectionName: "fedplat-workers-live" });
  liveRedis.on("error", (error) => logger.debug({ err: error }, "live updates: redis connection error"));
  const workers = startWorkers({
    live: createLiveUpdatePublisher(liveRedis, config.LIVE_UPDATES_CHANNEL, (error) =>
      logger.warn({ err: error }, "live update not published"),
    ),
    redis,
    prefix: config.BULLMQ_PREFIX,
    clients,
    dependencies: { payments: paymentProvider },
    policy: retryPolicyOf(config),
    concurrency: config.WORKER_CONCURRENCY,
    groupCommit: { maxBatch: Math.max(1, config.EVENTS_BATCH_MAX), maxInFlight: 2 },
    lockMs: config.JOB_LOCK_MS,
    relay: { intervalMs: config.RELAY_INTERVAL_MS, batchSize: config.RELAY_BATCH_SIZE },
    reconcile: {
      intervalMs: config.OUTBOX_RECONCILE_INTERVAL_MS,
      recheckMs: config.OUTBOX_RECHECK_MS,
      batchSize: 1_000,
    },
    onReconciled: ({ schema, settled, republished }) => {
      reconciled.inc({ service: schema, outcome: "settled" }, settled);
      reconciled.inc({ service: schema, outcome: "republished" }, republished);
    },
    logger,
    onOutcome: (consumer, type, outcome) => processed.inc({ consumer, type, outcome }),
    onPublished: (count) => published.inc(count),
    retention: {
      outboxMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
      processedMs: config.PROCESSED_EVENTS_RETENTION_HOURS * 3_600_000,
      deadLettersMs: config.DEAD_LETTER_RETENTION_DAYS * 86_400_000,
      intervalMs: config.RETENTION_INTERVAL_MS,
      batchSize: 5_000,
    },
    outage: { initialMs: config.OUTAGE_PAUSE_MS, maxMs: Math.max(config.OUTAGE_PAUSE_MS, config.OUTAGE_PAUSE_MAX_MS) },
    onOutage: (queue, state) => {
      paused.set({ queue }, state === "paused" ? 1 : 0);
      if (state === "paused") outages.inc({ queue });
    },
    orderExpiry: { deadlineMs: config.ORDER_PENDING_DEADLINE_MS, intervalMs: config.ORDER_EXPIRY_INTERVAL_MS },
    onOrdersExpired: (count) => expired.inc(count),
    onDeadLettersPruned: (count) => deadLettersPruned.inc(count),
    onPruned: ({ schema, outbox, processed }) => {
      pruned.inc({ service: schema, table: "outbox" }, outbox);
      pruned.inc({ service: schema, table: "processed_events" }, processed);
    },
  });
  const admin = await buildWorkersAdmin({
    redis,
    queues: [
      ...Object.values(workers.queues),
      workers.deadLetters,
      ...(workers.retention ? [workers.retention.queue] : []),
      ...(workers.orderExpiry ? [workers.orderExpiry.queue] : []),
    ],
    deadLetters: workers.deadLetterOps,
    audit: redisAuditLog(redis, config.BULLMQ_PREFIX, config.AUDIT_LOG_MAX_ENTRIES, (error) =>
      logger.error({ err: error }, "audit event not recorded"),
    ),
    metrics,
    logger,
    identityTrust: { gateway: config.GATEWAY_VERIFY_KEYS },
    verifyToken:
      config.JWT_SIGNING_KEYS || config.JWT_SECRET
        ? createTokenVerifier({
            kind: "hs256",
            secret: config.JWT_SECRET,
            ...(config.JWT_SIGNING_KEYS ? { keys: Object.fromEntries(parseSigningKeys(config.JWT_SIGNING_KEYS)) } : {}),
          })
        : undefined,
    bullBoard: {
      checkSession: createAdminSessionCheck(accountsSessionState(clients.accounts as unknown as AccountsPrisma), {
        cacheMs: config.SESSION_CHECK_MS,
      }),
      login: createGatewayAdminLogin({ url: config.GATEWAY_URL }),
      readOnly: config.BULL_BOARD_READ_ONLY,
      sessionTtlMs: config.BULL_BOARD_SESSION_MINUTES * 60_000,
      keyPrefix: config.BULLMQ_PREFIX,
    },
    production: config.NODE_ENV === "production",
    admin: adminListenerOf(config.NODE_ENV === "production"),
    readiness: Object.fromEntries(
      Object.entries(clients).map(([service, client]) => [`database:${service}`, databaseCheck(client)]),
    ),
  });
  const port = await admin.listen(config.PORT);
  logger.info({ port, adminPort: admin.adminPort() ?? port, prefix: config.BULLMQ_PREFIX }, "workers ready");
  onShutdown(logger, async () => {
    await admin.close();
    await workers.close();
    await Promise.all(Object.values(clients).map((client) => client.$disconnect()));
    await paymentProvider.close();
    liveRedis.disconnect();
    await redis.quit();
  });
}

main().catch(exitOnStartFailure(logger));
