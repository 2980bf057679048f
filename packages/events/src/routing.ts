import type { EventType } from "./schemas";

/** Services that consume events; each has one BullMQ queue. */
export const CONSUMERS = ["accounts", "catalog", "orders", "payments", "notifications"] as const;
export type Consumer = (typeof CONSUMERS)[number];

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

/** The queue of a consuming service. */
export const queueOf = (consumer: Consumer) => `events-${consumer}`;

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
