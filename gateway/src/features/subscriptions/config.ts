import { parseEnv } from "@fedplat/runtime";
import { DEFAULT_LIVE_UPDATES_CHANNEL } from "@fedplat/events";
import { z } from "zod";

/** Limits that keep one client, or one user, from holding unbounded resources. */
export interface SubscriptionLimits {
  /** Active subscriptions on one WebSocket connection. @default 20 */
  maxPerConnection: number;
  /** Open connections of one user or API key on one gateway replica. @default 20 */
  maxConnectionsPerUser: number;
  /** Updates waiting for one subscription; a client that falls further behind is disconnected (4013). @default 100 */
  queueLimit: number;
  /** Federated executions of events running at once on this replica. @default 32 */
  executionConcurrency: number;
  /** Largest WebSocket message a client may send (ws closes with 1009 above it). @default 65_536 */
  maxMessageBytes: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = {
  maxPerConnection: 20,
  maxConnectionsPerUser: 20,
  queueLimit: 100,
  executionConcurrency: 32,
  maxMessageBytes: 65_536,
};

export interface SubscriptionsConfig {
  /** Redis pub/sub channel the producers publish live updates on. @default "fedplat:live-updates" */
  channel: string;
  limits: SubscriptionLimits;
  /**
   * How often open connections' sessions and API keys are re-checked when no event comes
   * (sessionSweep.ts). A connection closes within the session (or API key) cache time + this +
   * one look-up of its end: 3 s + 0.5 s + a look-up at the defaults, under the 5 s of docs/security.md
   * with room for a loaded event loop. Cheap: each sweep costs one cached check per distinct viewer. @default 500
   */
  sessionSweepMs?: number;
}

export const DEFAULT_SESSION_SWEEP_MS = 500;

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(1).max(max).default(fallback);
const d = defaultSubscriptionLimits;

const subscriptionsEnv = z.object({
  LIVE_UPDATES_CHANNEL: z.string().min(1).default(DEFAULT_LIVE_UPDATES_CHANNEL),
  SUBSCRIPTIONS_MAX_PER_CONNECTION: count(d.maxPerConnection, 10_000),
  SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER: count(d.maxConnectionsPerUser),
  SUBSCRIPTIONS_QUEUE_LIMIT: count(d.queueLimit, 100_000),
  SUBSCRIPTIONS_EXECUTION_CONCURRENCY: count(d.executionConcurrency, 10_000),
  SUBSCRIPTIONS_MAX_MESSAGE_BYTES: count(d.maxMessageBytes, 10_485_760),
});

export function loadSubscriptionsConfig(env: NodeJS.ProcessEnv = process.env): SubscriptionsConfig {
  const config = parseEnv(subscriptionsEnv, env);
  return {
    channel: config.LIVE_UPDATES_CHANNEL,
    limits: {
      maxPerConnection: config.SUBSCRIPTIONS_MAX_PER_CONNECTION,
      maxConnectionsPerUser: config.SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER,
      queueLimit: config.SUBSCRIPTIONS_QUEUE_LIMIT,
      executionConcurrency: config.SUBSCRIPTIONS_EXECUTION_CONCURRENCY,
      maxMessageBytes: config.SUBSCRIPTIONS_MAX_MESSAGE_BYTES,
    },
  };
}
