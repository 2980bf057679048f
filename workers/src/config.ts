import { envVars, parseEnv } from "@fedplat/runtime";
import { keyVars, parseSigningKeys } from "@fedplat/auth";
import {
  DEFAULT_LIVE_UPDATES_CHANNEL,
  type EventKeyring,
  eventKeyringOf,
  eventPiiEnv,
  eventSigningEnv,
} from "@fedplat/events";
import { optionalPostgresUrl } from "@fedplat/payments";
import { CONSUMER_SERVICES, PRODUCER_SERVICES } from "@fedplat/registry";
import { z } from "zod";
import type { RetryPolicy } from "./jobOptions";

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(0).max(max).default(fallback);

const workersEnv = z.object({
  PORT: envVars.port(4010),
  NODE_ENV: envVars.nodeEnv,
  /** The gateway's public keys: verify the identity it signs into requests for the operations subgraph. */
  GATEWAY_VERIFY_KEYS: keyVars.verifyKeys,
  /**
   * Signing keys of the producers whose follow-up events the workers write (catalog, orders,
   * payments, notifications): `producer:kid:hmac|ed25519:base64`, comma-separated, one per
   * producer; generated into .env by `npm run setup`. See docs/security.md (event signatures).
   */
  EVENT_SIGNING_KEYS: eventSigningEnv.EVENT_SIGNING_KEYS,
  /** Verification keys of the other producers (accounts' Ed25519 public key) and of rotated kids still in circulation. */
  EVENT_VERIFY_KEYS: eventSigningEnv.EVENT_VERIFY_KEYS,
  /** enforce (default): unsigned events are dead-lettered; warn: accepted with a warning while events from before signing drain. */
  EVENT_SIGNATURES: eventSigningEnv.EVENT_SIGNATURES,
  /** Open the personal fields of events in the handlers that need them (notifications: the address of a welcome email); see docs/security.md. */
  EVENT_PII_KEYS: eventPiiEnv.EVENT_PII_KEYS,
  /** Which of EVENT_PII_KEYS seals; the workers only open, but the cipher wants its active key named. */
  EVENT_PII_ACTIVE_KEY_ID: eventPiiEnv.EVENT_PII_ACTIVE_KEY_ID,
  /** Verifies admins' access tokens for Bull Board (/admin/queues); unset: Bull Board is off. */
  JWT_SECRET: envVars.secret.optional(),
  /** Verification keys by kid, as at the gateway ("k2:<secret>,k1:<secret>"); with it, Bull Board is on too. */
  JWT_SIGNING_KEYS: z
    .string()
    .min(1)
    .superRefine((value, context) => {
      try {
        parseSigningKeys(value);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
      }
    })
    .optional(),
  REDIS_URL: envVars.redisUrl,
  /** Key prefix of every BullMQ queue (tests use their own). */
  BULLMQ_PREFIX: z
    .string()
    .regex(/^[\w-]+$/)
    .default("fedplat"),
  /**
   * Jobs in flight per queue; with group commit, many in flight means few, larger transactions.
   * 256: under a burst the consumer's batches carry ~67 events instead of ~39 at 128, and
   * PostgreSQL's CPU per event fell from 106-132 µs to 90-102 (bench/events.ts runs alternating
   * both settings); 512 gained nothing more.
   */
  WORKER_CONCURRENCY: count(256, 1_000),
  /** Most events applied in one transaction (group commit); 1 applies each event on its own. */
  EVENTS_BATCH_MAX: count(100, 10_000),
  /** The relay is woken by each commit (LISTEN/NOTIFY); this poll only covers a missed wake-up. */
  RELAY_INTERVAL_MS: count(500, 60_000),
  RELAY_BATCH_SIZE: count(200, 10_000),
  /**
   * An outbox row not yet applied by every consumer it is routed to is rechecked this long after
   * its publication, and its jobs added again if Redis lost them (see reconciler.ts): after Redis
   * loses data, events flow again within this plus OUTBOX_RECONCILE_INTERVAL_MS.
   */
  OUTBOX_RECHECK_MS: count(30_000, 3_600_000).pipe(
    z.number().min(100, "must be at least 100: a row rechecked sooner than its job can run is only looked at again"),
  ),
  /** How often each worker process reconciles the outbox; 0 turns it off (Redis losing jobs then loses events). */
  OUTBOX_RECONCILE_INTERVAL_MS: count(5_000, 3_600_000),
  /** Attempts per job: 5 = the first try plus retries after 1 s, 2 s, 4 s, 8 s. */
  EVENTS_ATTEMPTS: count(5, 100),
  /** First retry delay; it doubles with each retry, with jitter. */
  EVENTS_BACKOFF_MS: count(1_000, 3_600_000),
  /** How long a worker holds a job before another may take it over (after a crash). */
  JOB_LOCK_MS: count(30_000, 3_600_000),
  /** Redis pub/sub channel of live updates (subscriptions); the gateways listen on the same one. */
  LIVE_UPDATES_CHANNEL: z.string().min(1).default(DEFAULT_LIVE_UPDATES_CHANNEL),
  /** Settled outbox rows (applied by every consumer) are deleted this many hours after publication; others never are. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(100_000).default(168),
  /**
   * Records of applied events are deleted after this many hours. They must outlast every late
   * redelivery: failed jobs are kept 7 days and can be retried from Bull Board until then.
   */
  PROCESSED_EVENTS_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(
      192,
      "must be at least 192 (8 days): failed jobs are kept 7 days and may be retried until then, and an event whose record is gone would be applied again",
    )
    .max(100_000)
    .default(720),
  /** How often one worker process prunes the event tables; 0 turns pruning off. */
  RETENTION_INTERVAL_MS: count(3_600_000, 7 * 24 * 3_600_000),
  /**
   * An order still PENDING this long after it was placed is cancelled by the watchdog (its saga
   * stalled): stock released, payment refunded or voided. Far above a saga's normal seconds, and
   * above the longest retries (EVENTS_ATTEMPTS/EVENTS_BACKOFF_MS) so a slow payment is not cut short.
   */
  ORDER_PENDING_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 24 * 3_600_000)
    .default(15 * 60_000),
  /** How often one worker process looks for such orders; 0 turns the watchdog off. */
  ORDER_EXPIRY_INTERVAL_MS: count(60_000, 24 * 3_600_000),
  /** First pause of a consumer whose database is unreachable; it doubles while the outage lasts. */
  OUTAGE_PAUSE_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** Longest such pause: how late, at worst, a consumer notices its database is back. */
  OUTAGE_PAUSE_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  /** Bull Board refuses every write (retry, promote, add, clean, pause...: 405) unless this is "false". */
  BULL_BOARD_READ_ONLY: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  /**
   * How long Bull Board reuses a user's session state (token version, disabled, role) read from
   * accounts: logout, a demotion or disabling ends a Bull Board session within this plus one read.
   * At most 5 s, as at the gateway.
   */
  SESSION_CHECK_MS: z.coerce.number().int().min(100).max(5_000).default(3_000),
  /**
   * The gateway's GraphQL endpoint: Bull Board's sign-in sends the admin's email and password to
   * its `login` mutation (so the gateway's login rate limits apply). Kubernetes: the gateway Service.
   */
  GATEWAY_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:4000/graphql"),
  /** How long a Bull Board browser session lasts from sign-in (it is not extended by use). */
  BULL_BOARD_SESSION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** Entries kept in the workers' audit log (a Redis stream, ~300 bytes each); older ones are trimmed. */
  AUDIT_LOG_MAX_ENTRIES: z.coerce.number().int().min(1_000).max(10_000_000).default(100_000),
  /**
   * Dead letters older than this are deleted by the maintenance job (they hold event data, some of
   * it personal): two weeks is long enough to notice, fix and replay after an incident.
   */
  DEAD_LETTER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(14),
  /** Probability (0..1) that a charge fails at the simulated provider: half declined, half a timeout after the money moved. */
  PAYMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  /** Mean latency of each call to the simulated provider (charge or refund). */
  PAYMENT_LATENCY_MS: count(50, 60_000),
  /** The simulated provider's own database (its ledger lives in schema "provider"); unset: the payments service's. */
  PAYMENT_PROVIDER_DATABASE_URL: optionalPostgresUrl,
});

/**
 * Per-queue overrides of EVENTS_ATTEMPTS and EVENTS_BACKOFF_MS, one pair per consumer in
 * services.json, named by rule: EVENTS_ATTEMPTS_<SERVICE>, EVENTS_BACKOFF_MS_<SERVICE> (e.g.
 * EVENTS_ATTEMPTS_PAYMENTS=8, EVENTS_BACKOFF_MS_PAYMENTS=5000); 0 or unset: the defaults.
 */
const perQueueShape = Object.fromEntries(
  CONSUMER_SERVICES.flatMap((service) => [
    [service.env.eventsAttempts, count(0, 100)],
    [service.env.eventsBackoffMs, count(0, 3_600_000)],
  ]),
);
/** One schema, so one error lists every invalid variable. */
const fullEnv = workersEnv.extend(perQueueShape);

export type WorkersConfig = z.infer<typeof workersEnv> & {
  /** Each consumer's overrides, by service name (0: the default). */
  perQueue: Record<string, { attempts: number; backoffMs: number }>;
};

export function loadWorkersConfig(env: NodeJS.ProcessEnv = process.env): WorkersConfig {
  const parsed = parseEnv(fullEnv, env) as unknown as z.infer<typeof workersEnv> & Record<string, number | undefined>;
  const perQueue = Object.fromEntries(
    CONSUMER_SERVICES.map((service) => [
      service.name,
      { attempts: parsed[service.env.eventsAttempts] ?? 0, backoffMs: parsed[service.env.eventsBackoffMs] ?? 0 },
    ]),
  );
  return { ...parsed, perQueue };
}

/** Producers whose follow-up events the workers write (the subgraphs' event handlers run here). */
export const WORKERS_SIGN_AS = ["catalog", "orders", "payments", "notifications"] as const;

/**
 * The workers' keyring, checked at start: they must sign as every producer whose follow-ups
 * they write, and verify every producer whose events they consume; each problem names the variable.
 */
export function workersKeyringOf(
  config: Pick<WorkersConfig, "EVENT_SIGNING_KEYS" | "EVENT_VERIFY_KEYS" | "EVENT_SIGNATURES">,
): EventKeyring {
  const keyring = eventKeyringOf(config);
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
export function retryPolicyOf(config: WorkersConfig): RetryPolicy {
  const byConsumer = (setting: "attempts" | "backoffMs") =>
    Object.fromEntries(Object.entries(config.perQueue).map(([consumer, overrides]) => [consumer, overrides[setting]]));
  return {
    attempts: config.EVENTS_ATTEMPTS,
    backoffMs: config.EVENTS_BACKOFF_MS,
    attemptsByConsumer: byConsumer("attempts"),
    backoffMsByConsumer: byConsumer("backoffMs"),
  };
}
