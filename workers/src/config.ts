import { accessTokenSection, identityTrustSection } from "@fedplat/auth";
import {
  type EventKeyring,
  type EventSigningConfig,
  eventKeyringFrom,
  eventPiiSection,
  eventSigningSection,
  liveUpdatesSection,
} from "@fedplat/events";
import { paymentProviderSection } from "@fedplat/payments/workers";
import { CONSUMER_SERVICES, envKeyOf, PRODUCER_SERVICES } from "@fedplat/registry";
import {
  type ConfigOf,
  databaseSection,
  defineSection,
  envVars,
  loadConfig,
  processSection,
  redisSection,
} from "@fedplat/runtime";
import { z } from "zod";
import type { RetryPolicy } from "./jobOptions";

/*
 * The workers' options, in sections under `workers.` (none is `workers` itself: a section's
 * mapping in fedplat.config.yaml holds only its own options, so it cannot also hold others).
 * Every variable keeps the name it had before the configuration file existed.
 */

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(0).max(max).default(fallback);

/** How the consumers take jobs: queue names, concurrency, group commit, locks, outage pauses. */
export const workersQueuesSection = defineSection({
  path: "workers.queues",
  schema: z.object({
    prefix: z
      .string()
      .regex(/^[\w-]+$/)
      .default("fedplat")
      .describe("Key prefix of every BullMQ queue (tests use their own); the dlq CLI must use the same"),
    concurrency: count(256, 1_000).describe(
      "Jobs in flight per queue; with group commit, many in flight means few, larger transactions (bench/results/events.md)",
    ),
    eventsBatchMax: count(100, 10_000).describe(
      "Most events applied in one transaction (group commit); 1 applies each event on its own",
    ),
    jobLockMs: count(30_000, 3_600_000).describe(
      "How long a worker holds a job before another may take it over (after a crash)",
    ),
    outagePauseMs: z.coerce
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(500)
      .describe("First pause of a consumer whose database is unreachable; it doubles while the outage lasts"),
    outagePauseMaxMs: z.coerce
      .number()
      .int()
      .min(10)
      .max(600_000)
      .default(5_000)
      .describe("Longest such pause: how late, at worst, a consumer notices its database is back"),
  }),
  env: {
    names: {
      prefix: "BULLMQ_PREFIX",
      concurrency: "WORKER_CONCURRENCY",
      eventsBatchMax: "EVENTS_BATCH_MAX",
      jobLockMs: "JOB_LOCK_MS",
      outagePauseMs: "OUTAGE_PAUSE_MS",
      outagePauseMaxMs: "OUTAGE_PAUSE_MAX_MS",
    },
  },
});

/** The outbox relay and the reconciler that re-publishes what Redis lost. */
export const workersRelaySection = defineSection({
  path: "workers.relay",
  schema: z.object({
    intervalMs: count(500, 60_000).describe(
      "The relay is woken by each commit (LISTEN/NOTIFY); this poll only covers a missed wake-up",
    ),
    batchSize: count(200, 10_000).describe("Outbox rows claimed per relay round"),
    recheckMs: count(30_000, 3_600_000)
      .pipe(
        z
          .number()
          .min(100, "must be at least 100: a row rechecked sooner than its job can run is only looked at again"),
      )
      .describe(
        "An outbox row not yet applied by every consumer is rechecked this long after publication, and its jobs added again if Redis lost them",
      ),
    reconcileIntervalMs: count(5_000, 3_600_000).describe(
      "How often each worker process reconciles the outbox; 0 turns it off (Redis losing jobs then loses events)",
    ),
  }),
  env: {
    names: {
      intervalMs: "RELAY_INTERVAL_MS",
      batchSize: "RELAY_BATCH_SIZE",
      recheckMs: "OUTBOX_RECHECK_MS",
      reconcileIntervalMs: "OUTBOX_RECONCILE_INTERVAL_MS",
    },
  },
});

/** `EVENTS_ATTEMPTS_<SERVICE>` (or the backoff's) of the consumers services.json lists; others are not read. */
const perConsumer = (prefix: string) =>
  new RegExp(`^${prefix}_(${CONSUMER_SERVICES.map((service) => envKeyOf(service.name)).join("|")})$`);

/** Retries of failing jobs, for every consumer queue and per queue (keyed by the service's variable key, PAYMENTS). */
export const workersRetriesSection = defineSection({
  path: "workers.retries",
  schema: z.object({
    attempts: count(5, 100).describe("Attempts per job: 5 = the first try plus retries after 1 s, 2 s, 4 s, 8 s"),
    backoffMs: count(1_000, 3_600_000).describe("First retry delay; it doubles with each retry, with jitter"),
    attemptsByQueue: z
      .record(z.string(), count(0, 100))
      .default({})
      .describe("Per consumer (PAYMENTS: 8): its own attempts; 0 or unset: the default"),
    backoffMsByQueue: z
      .record(z.string(), count(0, 3_600_000))
      .default({})
      .describe("Per consumer (PAYMENTS: 5000): its own first retry delay; 0 or unset: the default"),
  }),
  env: { names: { attempts: "EVENTS_ATTEMPTS", backoffMs: "EVENTS_BACKOFF_MS" } },
  envMaps: [
    { option: "attemptsByQueue", pattern: perConsumer("EVENTS_ATTEMPTS") },
    { option: "backoffMsByQueue", pattern: perConsumer("EVENTS_BACKOFF_MS") },
  ],
});

/** Pruning of the event tables and of dead letters. */
export const workersRetentionSection = defineSection({
  path: "workers.retention",
  schema: z.object({
    outboxHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(168)
      .describe(
        "Settled outbox rows (applied by every consumer) are deleted this many hours after publication; others never are",
      ),
    processedEventsHours: z.coerce
      .number()
      .int()
      .min(
        192,
        "must be at least 192 (8 days): failed jobs are kept 7 days and may be retried until then, and an event whose record is gone would be applied again",
      )
      .max(100_000)
      .default(720)
      .describe("Records of applied events are deleted after this many hours; they must outlast every late redelivery"),
    deadLetterDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(3_650)
      .default(14)
      .describe("Dead letters older than this are deleted (they hold event data, some of it personal)"),
    intervalMs: count(3_600_000, 7 * 24 * 3_600_000).describe(
      "How often one worker process prunes the event tables; 0 turns pruning off",
    ),
  }),
  env: {
    names: {
      outboxHours: "OUTBOX_RETENTION_HOURS",
      processedEventsHours: "PROCESSED_EVENTS_RETENTION_HOURS",
      deadLetterDays: "DEAD_LETTER_RETENTION_DAYS",
      intervalMs: "RETENTION_INTERVAL_MS",
    },
  },
});

/** The watchdog that cancels orders whose saga stalled. */
export const workersOrderExpirySection = defineSection({
  path: "workers.orderExpiry",
  schema: z.object({
    pendingDeadlineMs: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(30 * 24 * 3_600_000)
      .default(15 * 60_000)
      .describe(
        "An order still PENDING this long after it was placed is cancelled (stock released, payment refunded or voided); above the longest retries",
      ),
    intervalMs: count(60_000, 24 * 3_600_000).describe(
      "How often one worker process looks for such orders; 0 turns the watchdog off",
    ),
  }),
  env: { names: { pendingDeadlineMs: "ORDER_PENDING_DEADLINE_MS", intervalMs: "ORDER_EXPIRY_INTERVAL_MS" } },
});

/** The admin port: the operations subgraph, Bull Board and the audit log. */
export const workersAdminSection = defineSection({
  path: "workers.admin",
  schema: z.object({
    port: envVars.port(4010).describe("Bull Board, the operations subgraph, health and metrics"),
    bullBoardReadOnly: envVars
      .flag(true)
      .describe('Bull Board refuses every write (retry, promote, add, clean, pause...: 405) unless this is "false"'),
    sessionCheckMs: envVars.sessionCheckMs.describe(
      "How long Bull Board reuses a user's session state read from accounts: logout or a demotion ends a session within this plus one read",
    ),
    gatewayUrl: z
      .url({ protocol: /^https?$/ })
      .default("http://127.0.0.1:4000/graphql")
      .describe(
        "The gateway's GraphQL endpoint: Bull Board's sign-in sends the admin's email and password to its login mutation (Kubernetes: the gateway Service)",
      ),
    bullBoardSessionMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15)
      .describe("How long a Bull Board browser session lasts from sign-in (it is not extended by use)"),
    auditLogMaxEntries: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(10_000_000)
      .default(100_000)
      .describe("Entries kept in the workers' audit log (a Redis stream, ~300 bytes each); older ones are trimmed"),
  }),
  env: {
    names: {
      port: "PORT",
      bullBoardReadOnly: "BULL_BOARD_READ_ONLY",
      sessionCheckMs: "SESSION_CHECK_MS",
      gatewayUrl: "GATEWAY_URL",
      bullBoardSessionMinutes: "BULL_BOARD_SESSION_MINUTES",
      auditLogMaxEntries: "AUDIT_LOG_MAX_ENTRIES",
    },
  },
});

/**
 * Every section the workers process loads, for loadWorkersConfig and `npm run config`. Bull Board
 * is on when accessTokens has a key (JWT_SECRET or JWT_SIGNING_KEYS) to verify admins' tokens with.
 */
export const workersSections = {
  process: processSection,
  redis: redisSection,
  database: databaseSection,
  identityTrust: identityTrustSection,
  accessTokens: accessTokenSection,
  eventSigning: eventSigningSection,
  eventPii: eventPiiSection,
  liveUpdates: liveUpdatesSection,
  paymentProvider: paymentProviderSection,
  queues: workersQueuesSection,
  relay: workersRelaySection,
  retries: workersRetriesSection,
  retention: workersRetentionSection,
  orderExpiry: workersOrderExpirySection,
  admin: workersAdminSection,
};

export type WorkersConfig = ConfigOf<typeof workersSections> & {
  /** Each consumer's overrides, by service name (0: the default). */
  perQueue: Record<string, { attempts: number; backoffMs: number }>;
};

/** The workers' configuration (`env` in tests, else the process's file and environment), all problems at once. */
export function loadWorkersConfig(env?: NodeJS.ProcessEnv): WorkersConfig {
  const config = loadConfig(workersSections, env ? { env, file: false } : {});
  const perQueue = Object.fromEntries(
    CONSUMER_SERVICES.map((service) => [
      service.name,
      {
        attempts: config.retries.attemptsByQueue[envKeyOf(service.name)] ?? 0,
        backoffMs: config.retries.backoffMsByQueue[envKeyOf(service.name)] ?? 0,
      },
    ]),
  );
  return { ...config, perQueue };
}

/** Producers whose follow-up events the workers write (the subgraphs' event handlers run here). */
export const WORKERS_SIGN_AS = ["catalog", "orders", "payments", "notifications"] as const;

/**
 * The workers' keyring, checked at start: they must sign as every producer whose follow-ups
 * they write, and verify every producer whose events they consume; each problem names the variable.
 */
export function workersKeyringOf(settings: EventSigningConfig): EventKeyring {
  const keyring = eventKeyringFrom(settings);
  const cannotSign = WORKERS_SIGN_AS.filter((producer) => !keyring.signing.has(producer));
  if (cannotSign.length)
    throw new Error(
      `EVENT_SIGNING_KEYS: the workers write events of ${cannotSign.join(", ")} and need their signing keys (run \`npm run setup\` locally)`,
    );
  const producers = PRODUCER_SERVICES.map((service) => service.name); // every producer of services.json: the workers consume them all
  const verifiable = new Set([...keyring.verifying.values()].map((key) => key.producer));
  const cannotVerify = producers.filter((producer) => !verifiable.has(producer));
  if (cannotVerify.length)
    throw new Error(`EVENT_VERIFY_KEYS: no key verifies events of ${cannotVerify.join(", ")} (list their public keys)`);
  return keyring;
}

/** The retry policy of every consumer queue: the defaults, and each queue's overrides. */
export function retryPolicyOf(config: Pick<WorkersConfig, "retries" | "perQueue">): RetryPolicy {
  const byConsumer = (setting: "attempts" | "backoffMs") =>
    Object.fromEntries(Object.entries(config.perQueue).map(([consumer, overrides]) => [consumer, overrides[setting]]));
  return {
    attempts: config.retries.attempts,
    backoffMs: config.retries.backoffMs,
    attemptsByConsumer: byConsumer("attempts"),
    backoffMsByConsumer: byConsumer("backoffMs"),
  };
}
