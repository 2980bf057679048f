import { type LiveUpdatePublisher, noLiveUpdates } from "@fedplat/events";
import type { OrdersPrisma } from "./db";
import { orderUpdate, transitionOrder } from "./transitions";

export interface PendingOrderExpiry {
  /** An order still PENDING this long after it was placed is cancelled. */
  deadlineMs: number;
  /** Orders cancelled per statement round. @default 100 */
  batchSize?: number;
  live?: LiveUpdatePublisher;
}

/**
 * Cancels every order that has stayed PENDING longer than `deadlineMs`: a saga that stalled (an
 * event dead-lettered, a consumer down) would otherwise leave it PENDING forever, its stock held.
 * Each goes through transitionOrder, like any cancellation: order.cancelled is written in the same
 * transaction, so catalog releases the stock and payments refunds or voids the payment. An order
 * that settled meanwhile is left alone (the conditional UPDATE changes nothing). Returns the ids
 * of the orders it cancelled.
 */
export async function expirePendingOrders(prisma: OrdersPrisma, options: PendingOrderExpiry): Promise<string[]> {
  const batchSize = options.batchSize ?? 100;
  const live = options.live ?? noLiveUpdates;
  const reason = `expired: still pending after ${Math.round(options.deadlineMs / 1000)} s`;
  const cancelled: string[] = [];
  for (;;) {
    const cutoff = new Date(Date.now() - options.deadlineMs);
    // Oldest first, on the (status, created_at) index.
    const due = await prisma.order.findMany({
      where: { status: "PENDING", createdAt: { lt: cutoff } },
      orderBy: { createdAt: "asc" },
      take: batchSize,
      select: { id: true },
    });
    for (const { id } of due) {
      const { order, changed } = await prisma.$transaction((tx) => transitionOrder(tx, id, "CANCELLED", reason));
      if (!changed) continue;
      cancelled.push(id);
      await live.publish(orderUpdate(order));
    }
    if (due.length < batchSize) return cancelled;
  }
}
