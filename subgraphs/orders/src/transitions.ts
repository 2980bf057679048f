import { createEvent, type Envelope, followUp, type LiveUpdate } from "@fedplat/events";
import { writeOutbox } from "@fedplat/event-store";
import type { Order, OrderStatus, Prisma } from "./generated/prisma/client";
import { statusesLeadingTo } from "./orderStatus";

type Tx = Prisma.TransactionClient;

export interface Transition {
  order: Order;
  /** False when the order was not in a status that may precede `to` (nothing was written). */
  changed: boolean;
}

/** The event others need when an order reaches `status`, if any. */
function eventFor(order: Order, status: OrderStatus, reason: string, cause?: Envelope): Envelope | undefined {
  const make = <T extends "order.confirmed" | "order.cancelled">(
    type: T,
    data: Parameters<typeof createEvent<T>>[1],
  ) => (cause ? followUp(cause, "orders", type, data) : createEvent(type, data, { producer: "orders" }));
  if (status === "CONFIRMED")
    return make("order.confirmed", { orderId: order.id, customerId: order.customerId, totalCents: order.totalCents });
  if (status === "CANCELLED")
    return make("order.cancelled", { orderId: order.id, customerId: order.customerId, reason });
  return undefined;
}

/**
 * Moves an order to `to` only from a status that may precede it, in one conditional UPDATE (so
 * concurrent transitions cannot overwrite each other or go backwards), and writes the matching
 * event to the outbox in the same transaction.
 */
export async function transitionOrder(
  tx: Tx,
  id: string,
  to: OrderStatus,
  reason: string,
  cause?: Envelope,
): Promise<Transition> {
  const { count } = await tx.order.updateMany({
    where: { id, status: { in: statusesLeadingTo(to) } },
    data: { status: to },
  });
  const order = await tx.order.findUniqueOrThrow({ where: { id } });
  if (count === 0) return { order, changed: false };
  const event = eventFor(order, to, reason, cause);
  if (event) await writeOutbox(tx, [event]);
  return { order, changed: true };
}

/** The live update that tells subscribers an order changed (published after the commit). */
export function orderUpdate(order: Pick<Order, "id" | "customerId">): LiveUpdate {
  return { typename: "Order", id: order.id, ownerId: order.customerId };
}
