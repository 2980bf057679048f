import { type Envelope, followUp } from "@fedplat/events";
import { type EventHandlers, type EventStore, transactionalHandler } from "@fedplat/event-store";
import type { CatalogPrisma } from "../db";
import { v5 as uuidv5 } from "uuid";
import type { Prisma } from "../generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * A customer may cancel an order before catalog has seen its order.placed (both events wait in
 * the queue; either may be applied first). Catalog keeps a per-order marker of the cancellation
 * in processed_events, under an id derived from the order id, and takes a per-order advisory
 * lock in both handlers, so whichever comes second sees the first: a late order.placed reserves
 * nothing, and a cancellation after the reservation releases it.
 */
const CANCELLATION_MARKER_NAMESPACE = "4f0c1d1e-8a5b-4c1e-9f3a-6b2d7e9c0a11";
const cancellationMarker = (orderId: string) => uuidv5(orderId, CANCELLATION_MARKER_NAMESPACE);
const lockOrder = (tx: Tx, orderId: string) =>
  tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${orderId}, 0))`;

async function cancel(tx: Tx, orderId: string): Promise<void> {
  await lockOrder(tx, orderId);
  await tx.processedEvent.createMany({
    data: [{ eventId: cancellationMarker(orderId), type: "order.cancelled:marker" }],
    skipDuplicates: true,
  });
  await release(tx, orderId);
}

/** Puts back the stock of an order's reservations that are still held or were committed. */
async function release(tx: Tx, orderId: string): Promise<void> {
  const reservations = await tx.stockReservation.findMany({
    where: { orderId, status: { in: ["RESERVED", "COMMITTED"] } },
  });
  for (const reservation of reservations) {
    // Conditional on the status it had: a reservation is released once, whatever the redeliveries.
    const { count } = await tx.stockReservation.updateMany({
      where: { id: reservation.id, status: reservation.status },
      data: { status: "RELEASED" },
    });
    if (count === 1)
      await tx.product.update({
        where: { id: reservation.productId },
        data: { stock: { increment: reservation.quantity } },
      });
  }
}

/** Flow 3, step 1: reserve every line's stock, all or nothing. */
async function reserve(tx: Tx, event: Envelope<"order.placed">): Promise<Envelope[]> {
  const { orderId, customerId, totalCents, currency, lines } = event.data;
  await lockOrder(tx, orderId);
  if (await tx.processedEvent.findUnique({ where: { eventId: cancellationMarker(orderId) } })) return []; // cancelled already: nothing to hold
  const ids = lines.map((line) => line.productId);
  // Row locks: two orders for the last unit cannot both succeed.
  const rows = await tx.$queryRaw<Array<{ id: string; stock: number }>>`SELECT id::text AS id, stock
    FROM "catalog"."products"
    WHERE id = ANY(${ids}::uuid[])
    ORDER BY id
    FOR UPDATE`;
  const stock = new Map(rows.map((row) => [row.id, row.stock]));
  const short = lines.filter((line) => (stock.get(line.productId) ?? -1) < line.quantity).map((line) => line.productId);
  if (short.length > 0) {
    const reason = short.some((id) => !stock.has(id)) ? "unknown product" : "insufficient stock";
    return [followUp(event, "catalog", "stock.rejected", { orderId, customerId, reason, productIds: short })];
  }
  for (const line of lines) {
    await tx.product.update({ where: { id: line.productId }, data: { stock: { decrement: line.quantity } } });
    await tx.stockReservation.create({ data: { orderId, productId: line.productId, quantity: line.quantity } });
  }
  return [followUp(event, "catalog", "stock.reserved", { orderId, customerId, totalCents, currency })];
}

/** What catalog does with the events routed to it. */
export function createCatalogEventHandlers(prisma: CatalogPrisma): EventHandlers {
  const store: EventStore<Tx> = { schema: "catalog", transaction: (fn) => prisma.$transaction(fn) };
  return {
    "order.placed": transactionalHandler("order.placed", store, reserve),
    // Under the order's lock, like a cancellation: a payment.succeeded racing (or arriving after)
    // order.cancelled must not commit a reservation the cancellation is releasing (its stock
    // would never come back); the payment itself is refunded by payments.
    "payment.succeeded": transactionalHandler("payment.succeeded", store, async (tx, event) => {
      const { orderId } = event.data;
      await lockOrder(tx, orderId);
      if (await tx.processedEvent.findUnique({ where: { eventId: cancellationMarker(orderId) } })) return [];
      await tx.stockReservation.updateMany({ where: { orderId, status: "RESERVED" }, data: { status: "COMMITTED" } });
      return [];
    }),
    // Compensation: the payment failed, or the order was cancelled later.
    "payment.failed": transactionalHandler("payment.failed", store, async (tx, event) => {
      await release(tx, event.data.orderId);
      return [];
    }),
    "order.cancelled": transactionalHandler("order.cancelled", store, async (tx, event) => {
      await cancel(tx, event.data.orderId);
      return [];
    }),
  };
}
