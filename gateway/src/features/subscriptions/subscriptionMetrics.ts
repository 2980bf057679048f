import { Counter, Gauge, type Registry } from "prom-client";

/** Live resource counts: each returns to its baseline once clients are gone. */
export interface SubscriptionStats {
  connections: number;
  subscriptions: number;
  listeners: number;
  expiryTimers: number;
  users: number;
  executions: number;
}

/** What happened to one live update for one subscription. */
export type EventOutcome = "delivered" | "hidden" | "repeat" | "error";

/** Why a connection was closed or a subscription refused. */
export type RefusalReason =
  | "unauthenticated"
  | "rate_limited"
  | "unavailable"
  | "too_many_connections"
  | "too_many_subscriptions"
  | "token_expired"
  | "api_key_revoked"
  | "session_revoked"
  | "slow_consumer"
  | "untrusted_document"
  /** A Subscription field without a valid `@live` declaration. */
  | "not_served"
  | "field_removed";

/**
 * Gauges read from the live counts at scrape time (they cannot drift from what is really held),
 * and counters of event outcomes and refusals.
 */
export function createSubscriptionMetrics(registry: Registry, stats: () => SubscriptionStats) {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: SubscriptionStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  gauge("gateway_subscription_connections", "Open, acknowledged subscription connections", (s) => s.connections);
  gauge("gateway_subscriptions_active", "Active subscriptions", (s) => s.subscriptions);
  gauge("gateway_live_update_listeners", "Listeners on this replica's live-update fan-out", (s) => s.listeners);
  gauge("gateway_subscription_expiry_timers", "Token-expiry timers of open connections", (s) => s.expiryTimers);
  const events = new Counter({
    name: "gateway_subscription_events_total",
    help: "Live updates per subscription by outcome",
    labelNames: ["outcome"] as const,
    registers,
  });
  const refusals = new Counter({
    name: "gateway_subscription_refusals_total",
    help: "Connections closed or subscriptions refused by a limit or credentials",
    labelNames: ["reason"] as const,
    registers,
  });
  return {
    event: (outcome: EventOutcome) => events.inc({ outcome }),
    refused: (reason: RefusalReason) => refusals.inc({ reason }),
  };
}
