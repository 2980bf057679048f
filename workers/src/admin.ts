import type { AdminListener, Logger, ReadinessCheck, Redis, ServiceMetrics } from "@fedplat/runtime";
import type { IdentityTrust, TokenVerifier } from "@fedplat/auth";
import type { SubgraphServer } from "@fedplat/subgraph";
import { type AuditLog, buildOperationsServer, type DeadLetterOps } from "@fedplat/operations/workers";
import type { Queue } from "bullmq";
import { Gauge } from "prom-client";
import type { AdminLogin } from "./adminLogin";
import type { AdminSessionCheck } from "./adminSessions";
import { mountBullBoard } from "./bullBoard";
import { registerQueueAgeMetric } from "./queueMetrics";

export interface WorkersAdminOptions {
  redis: Redis;
  /** Queues whose depth is exported (the dead letters included). */
  queues: Queue[];
  deadLetters: DeadLetterOps;
  /** Where admin actions are recorded (dead-letter replays and discards, Bull Board sign-ins and writes). */
  audit: AuditLog;
  metrics: ServiceMetrics;
  logger: Logger;
  /** The gateway's public keys (no service calls the operations subgraph directly). */
  identityTrust: IdentityTrust;
  /** Verifies admins' access tokens for Bull Board; without it Bull Board is not mounted. */
  verifyToken?: TokenVerifier;
  /**
   * Bull Board: each token's session checked against accounts (createAdminSessionCheck over
   * accountsSessionState; required with verifyToken), the sign-in (login), read-only (the default), session length,
   * session key prefix (the BullMQ prefix).
   */
  bullBoard?: {
    checkSession: AdminSessionCheck;
    /** The email-and-password sign-in (createGatewayAdminLogin). */
    login: AdminLogin;
    readOnly?: boolean;
    sessionTtlMs?: number;
    keyPrefix?: string;
    now?: () => number;
  };
  /** Production: Secure cookies, masked errors. */
  production?: boolean;
  /** A port of their own for /metrics and /health/* (production); unset: the public port serves them. */
  admin?: AdminListener;
  /** Further readiness checks (the services' databases), next to Redis. */
  readiness?: Record<string, ReadinessCheck>;
}

const JOB_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

/**
 * The workers' admin port: the operations subgraph (subgraphs/operations) at /graphql,
 * health (Redis answers), and metrics with job counts per queue and state.
 */
export async function buildWorkersAdmin(options: WorkersAdminOptions): Promise<SubgraphServer> {
  new Gauge({
    name: "bullmq_queue_jobs",
    help: "Jobs per queue and state, read from Redis at scrape time (dead-letters waiting = the dead-letter count)",
    labelNames: ["queue", "state"] as const,
    registers: [options.metrics.registry],
    async collect() {
      for (const queue of options.queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  registerQueueAgeMetric(options.metrics.registry, options.queues);
  const server = await buildOperationsServer({
    deadLetters: options.deadLetters,
    audit: options.audit,
    readiness: { redis: () => options.redis.ping(), ...options.readiness },
    metrics: options.metrics,
    logger: options.logger,
    identityTrust: options.identityTrust,
    production: options.production,
    admin: options.admin,
  });
  if (options.verifyToken) {
    if (!options.bullBoard?.checkSession || !options.bullBoard.login)
      throw new Error(
        "Bull Board needs bullBoard.checkSession and bullBoard.login: sessions are checked against accounts",
      );
    mountBullBoard(server.app, {
      queues: options.queues,
      verifyToken: options.verifyToken,
      checkSession: options.bullBoard.checkSession,
      login: options.bullBoard.login,
      redis: options.redis,
      keyPrefix: options.bullBoard?.keyPrefix ?? "fedplat",
      readOnly: options.bullBoard?.readOnly,
      sessionTtlMs: options.bullBoard?.sessionTtlMs,
      secureCookie: options.production ?? false,
      audit: options.audit,
      now: options.bullBoard?.now,
    });
  }
  return server;
}
