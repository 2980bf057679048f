import { defineSection, envVars, loadConfig } from "@fedplat/runtime";
import { liveUpdatesSection } from "@fedplat/events";
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
  /** Time between heartbeats (`{}`) of multipart HTTP subscriptions, as Apollo's router sends them. @default 5_000 */
  heartbeatMs?: number;
  /**
   * Viewers of one class (kind, roles, scopes, tenant) share an event's execution when every
   * subgraph answer said it did not depend on who the viewer is (docs/subscriptions.md). Off: one
   * execution per viewer identity, as before. @default true
   */
  shareByRole?: boolean;
}

export const DEFAULT_SESSION_SWEEP_MS = 500;
export const DEFAULT_HEARTBEAT_MS = 5_000;

const count = (fallback: number, max = 1_000_000) => z.coerce.number().int().min(1).max(max).default(fallback);
const d = defaultSubscriptionLimits;

/** graphql-ws subscriptions: the live-update channel and the limits above. */
export const subscriptionsSection = defineSection({
  path: "gateway.subscriptions",
  schema: z.object({
    maxPerConnection: count(d.maxPerConnection, 10_000).describe("Active subscriptions on one WebSocket connection"),
    maxConnectionsPerUser: count(d.maxConnectionsPerUser).describe(
      "Open connections of one user or API key per replica",
    ),
    queueLimit: count(d.queueLimit, 100_000).describe(
      "Updates waiting for one subscription before the client is closed (4013)",
    ),
    executionConcurrency: count(d.executionConcurrency, 10_000).describe(
      "Federated executions of events at once per replica",
    ),
    maxMessageBytes: count(d.maxMessageBytes, 10_485_760).describe("Largest WebSocket message a client may send"),
    shareByRole: envVars
      .flag(true)
      .describe("Share an event's execution between viewers of one role class when subgraphs say the answer allows it"),
  }),
  env: { prefix: "SUBSCRIPTIONS_" },
});

/** The sections' values as buildGateway takes them: the channel is the platform's shared liveUpdates one. */
export function subscriptionsConfigOf(
  section: z.infer<typeof subscriptionsSection.schema>,
  liveUpdates: { channel: string },
): SubscriptionsConfig {
  const { shareByRole, ...limits } = section;
  return { channel: liveUpdates.channel, limits, shareByRole };
}

/** Tests and embedders: the sections from `env` alone. */
export function loadSubscriptionsConfig(env: NodeJS.ProcessEnv): SubscriptionsConfig {
  const config = loadConfig(
    { subscriptions: subscriptionsSection, liveUpdates: liveUpdatesSection },
    { env, file: false },
  );
  return subscriptionsConfigOf(config.subscriptions, config.liveUpdates);
}
