import { type Envelope, type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import { type EventHandler, type EventHandlers, type EventStore, transactionalHandler } from "@fedplat/event-store";
import type { OrdersPrisma } from "../db";
import type { Order, OrderStatus, Prisma } from "../generated/prisma/client";
import { orderUpdate, transitionOrder } from "../transitions";

type StatusEvent = "stock.rejected" | "payment.succeeded" | "payment.failed";

/**
 * What orders does with the events routed to it: the saga's outcome decides the status. A
 * transition the status machine does not allow (e.g. a late payment.succeeded for an order the
 * customer cancelled) changes nothing: status never goes backwards. A change that committed is
 * announced to subscribers through `live`.
 */
export function createOrdersEventHandlers(
  prisma: OrdersPrisma,
  live: LiveUpdatePublisher = noLiveUpdates,
): EventHandlers {
  const store: EventStore<Prisma.TransactionClient> = {
    schema: "orders",
    transaction: (fn) => prisma.$transaction(fn),
  };
  // Per event (not batched): the changed order is only known inside its own transaction.
  const moveTo =
    <T extends StatusEvent>(type: T, to: OrderStatus, reason: (event: Envelope<T>) => string): EventHandler =>
    async (event, context) => {
      let changed: Order | undefined;
      const outcome = await transactionalHandler(type, store, async (tx, typed) => {
        const transition = await transitionOrder(tx, typed.data.orderId, to, reason(typed), typed);
        changed = transition.changed ? transition.order : undefined;
        return [];
      })(event, context);
      // Only after the commit: a subscriber must never see a change that was rolled back.
      if (outcome === "applied" && changed) await live.publish(orderUpdate(changed));
      return outcome;
    };
  return {
    "stock.rejected": moveTo("stock.rejected", "CANCELLED", (event) => `stock: ${event.data.reason}`),
    "payment.succeeded": moveTo("payment.succeeded", "CONFIRMED", () => "paid"),
    "payment.failed": moveTo("payment.failed", "CANCELLED", (event) => `payment failed: ${event.data.reason}`),
  };
}
