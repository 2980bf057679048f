import { CONSUMER_SERVICES, queueOf as registryQueueOf } from "@fedplat/registry";
import type { EventType } from "./schemas";

/** Services that consume events (services.json: consumesEvents); each has one BullMQ queue. */
export const CONSUMERS: readonly string[] = CONSUMER_SERVICES.map((service) => service.name);
/** A consuming service's name; services.json decides which names are, checked where ROUTES is. */
export type Consumer = string;

/**
 * Which services receive which events, like topic bindings: adding a consumer is one entry.
 * An event with no consumers is still recorded and marked published.
 */
export const ROUTES: Record<EventType, readonly Consumer[]> = {
  "user.registered": ["notifications"],
  "user.registration_attempted": ["notifications"],
  "user.authenticated": ["accounts"],
  "order.placed": ["catalog"],
  "stock.reserved": ["payments"],
  "stock.rejected": ["orders"],
  "payment.succeeded": ["orders", "catalog"],
  "payment.failed": ["orders", "catalog"],
  "order.confirmed": ["notifications"],
  // catalog restocks, payments refunds what was charged, notifications tells the customer
  "order.cancelled": ["notifications", "catalog", "payments"],
  "notification.sent": [],
};

/** The queue of a consuming service: `events-<name>` (the registry's rule). */
export const queueOf = (consumer: Consumer) => registryQueueOf(consumer);

// Routing to a service that consumes nothing would publish into a queue no worker reads.
for (const [type, consumers] of Object.entries(ROUTES)) {
  const unknown = consumers.filter((consumer) => !CONSUMERS.includes(consumer));
  if (unknown.length)
    throw new Error(`ROUTES["${type}"] names ${unknown.join(", ")}, not an event consumer in services.json`);
}

/** Where jobs go after their last attempt, or at once when they can never succeed. */
export const DEAD_LETTER_QUEUE = "dead-letters";

/** What a dead letter holds: the original event, where it failed, and every error. */
export interface DeadLetter {
  queue: string;
  consumer: Consumer;
  jobId: string;
  event: unknown;
  attempts: number;
  errors: string[];
  failedAt: string;
}
