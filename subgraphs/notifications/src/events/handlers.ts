import { type Envelope, type EventHandlers, followUp, type InTransaction, transactionalHandler } from "@fedplat/events";
import type { NotificationsPrisma } from "../db";
import type { Channel, Prisma } from "../generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * Records a notification as sent (delivery is simulated: there is no mail or SMS provider here)
 * and announces it.
 */
async function notify(tx: Tx, cause: Envelope, userId: string, template: string, channel: Channel, payload: Record<string, string>): Promise<Envelope[]> {
  const notification = await tx.notification.create({ data: { userId, template, channel, status: "SENT", payload, sentAt: new Date() } });
  return [followUp(cause, "notifications", "notification.sent", { notificationId: notification.id, userId, template, channel })];
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(prisma: NotificationsPrisma): EventHandlers {
  const inTransaction: InTransaction<Tx> = (fn) => prisma.$transaction(fn);
  return {
    "user.registered": transactionalHandler("user.registered", inTransaction, (tx, event) => notify(tx, event, event.data.userId, "welcome", "EMAIL", { name: event.data.name })),
    "order.confirmed": transactionalHandler("order.confirmed", inTransaction, (tx, event) => notify(tx, event, event.data.customerId, "order-confirmed", "EMAIL", { orderId: event.data.orderId })),
    "order.cancelled": transactionalHandler("order.cancelled", inTransaction, (tx, event) =>
      notify(tx, event, event.data.customerId, "order-cancelled", "EMAIL", { orderId: event.data.orderId, reason: event.data.reason }),
    ),
  };
}
