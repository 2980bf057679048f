import { type EventHandlers, type EventStore, transactionalHandler } from "@fedplat/events";
import type { OrdersPrisma } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { transitionOrder } from "../transitions";

/**
 * What orders does with the events routed to it: the saga's outcome decides the status. A
 * transition the status machine does not allow (e.g. a late payment.succeeded for an order the
 * customer cancelled) changes nothing: status never goes backwards.
 */
export function createOrdersEventHandlers(prisma: OrdersPrisma): EventHandlers {
  const store: EventStore<Prisma.TransactionClient> = { schema: "orders", transaction: (fn) => prisma.$transaction(fn) };
  return {
    "stock.rejected": transactionalHandler("stock.rejected", store, async (tx, event) => {
      await transitionOrder(tx, event.data.orderId, "CANCELLED", `stock: ${event.data.reason}`, event);
      return [];
    }),
    "payment.succeeded": transactionalHandler("payment.succeeded", store, async (tx, event) => {
      await transitionOrder(tx, event.data.orderId, "CONFIRMED", "paid", event);
      return [];
    }),
    "payment.failed": transactionalHandler("payment.failed", store, async (tx, event) => {
      await transitionOrder(tx, event.data.orderId, "CANCELLED", `payment failed: ${event.data.reason}`, event);
      return [];
    }),
  };
}
