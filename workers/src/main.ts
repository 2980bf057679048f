import {
  databaseCheck,
  adminListenerOf,
  createLogger,
  createMetrics,
  createRedis,
  exitOnStartFailure,
  onShutdown,
  releaseMemoryWhenIdle,
  redactUrl,
  serviceDatabaseUrl,
} from "@fedplat/runtime";
import { createTokenVerifier, parseSigningKeys } from "@fedplat/auth";
import {
  createLiveUpdatePublisher,
  eventPiiCipherFrom,
  installEventKeyring,
  installEventPiiCipher,
} from "@fedplat/events";
import { simulatedProvider } from "@fedplat/payments/workers";
import { Counter, Gauge } from "prom-client";
import { buildWorkersAdmin } from "./admin";
import type { AccountsPrisma } from "@fedplat/accounts";
import { createGatewayAdminLogin } from "./adminLogin";
import { accountsSessionState, createAdminSessionCheck } from "./adminSessions";
import { redisAuditLog } from "@fedplat/operations/workers";
import { loadWorkersConfig, retryPolicyOf, workersKeyringOf } from "./config";
import { checkRedisForQueues } from "./redisSettings";
import { createServiceClients, startWorkers } from "./workers";

const logger = createLogger("workers");

async function main(): Promise<void> {
  const config = loadWorkersConfig();
  const production = config.process.nodeEnv === "production";
  installEventKeyring(workersKeyringOf(config.eventSigning));
  installEventPiiCipher(eventPiiCipherFrom(config.eventPii)); // a missing or malformed key stops the start, naming the variable
  const redis = createRedis(config.redis.url, "fedplat-workers");
  redis.on("error", (error) =>
    logger.warn({ err: error, redis: redactUrl(config.redis.url) }, "redis connection error"),
  );
  await checkRedisForQueues(redis, { production, logger });
  const clients = createServiceClients(serviceDatabaseUrl);
  const paymentProvider = simulatedProvider(config.paymentProvider.databaseUrl ?? serviceDatabaseUrl("payments"), {
    failureRate: config.paymentProvider.failureRate,
    latencyMs: config.paymentProvider.latencyMs,
  });
  const { accessTokens } = config;
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
    live: createLiveUpdatePublisher(liveRedis, config.liveUpdates.channel, (error) =>
      logger.warn({ err: error }, "live update not published"),
    ),
    redis,
    prefix: config.queues.prefix,
    clients,
    dependencies: { payments: paymentProvider },
    policy: retryPolicyOf(config),
    concurrency: config.queues.concurrency,
    groupCommit: { maxBatch: Math.max(1, config.queues.eventsBatchMax), maxInFlight: 2 },
    lockMs: config.queues.jobLockMs,
    relay: { intervalMs: config.relay.intervalMs, batchSize: config.relay.batchSize },
    reconcile: {
      intervalMs: config.relay.reconcileIntervalMs,
      recheckMs: config.relay.recheckMs,
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
      outboxMs: config.retention.outboxHours * 3_600_000,
      processedMs: config.retention.processedEventsHours * 3_600_000,
      deadLettersMs: config.retention.deadLetterDays * 86_400_000,
      intervalMs: config.retention.intervalMs,
      batchSize: 5_000,
    },
    outage: {
      initialMs: config.queues.outagePauseMs,
      maxMs: Math.max(config.queues.outagePauseMs, config.queues.outagePauseMaxMs),
    },
    onOutage: (queue, state) => {
      paused.set({ queue }, state === "paused" ? 1 : 0);
      if (state === "paused") outages.inc({ queue });
    },
    orderExpiry: { deadlineMs: config.orderExpiry.pendingDeadlineMs, intervalMs: config.orderExpiry.intervalMs },
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
    audit: redisAuditLog(redis, config.queues.prefix, config.admin.auditLogMaxEntries, (error) =>
      logger.error({ err: error }, "audit event not recorded"),
    ),
    metrics,
    logger,
    identityTrust: { gateway: config.identityTrust.gatewayVerifyKeys },
    verifyToken:
      accessTokens.signingKeys || accessTokens.secret
        ? createTokenVerifier({
            kind: "hs256",
            secret: accessTokens.secret,
            ...(accessTokens.signingKeys
              ? { keys: Object.fromEntries(parseSigningKeys(accessTokens.signingKeys)) }
              : {}),
          })
        : undefined,
    bullBoard: {
      checkSession: createAdminSessionCheck(accountsSessionState(clients.accounts as unknown as AccountsPrisma), {
        cacheMs: config.admin.sessionCheckMs,
      }),
      login: createGatewayAdminLogin({ url: config.admin.gatewayUrl }),
      readOnly: config.admin.bullBoardReadOnly,
      sessionTtlMs: config.admin.bullBoardSessionMinutes * 60_000,
      keyPrefix: config.queues.prefix,
    },
    production,
    admin: adminListenerOf(production),
    readiness: Object.fromEntries(
      Object.entries(clients).map(([service, client]) => [`database:${service}`, databaseCheck(client)]),
    ),
  });
  const port = await admin.listen(config.admin.port);
  logger.info({ port, adminPort: admin.adminPort() ?? port, prefix: config.queues.prefix }, "workers ready");
  releaseMemoryWhenIdle({ logger });
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
