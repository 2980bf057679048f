import { randomUUID } from "node:crypto";
import { type Envelope, type EventHandlers, followUp, type EventStore, transactionalHandler } from "@fedplat/events";
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

/** The set-based `notify` for group commit: one INSERT for a whole batch (ids chosen here, so no RETURNING is needed). */
async function notifyMany<T extends Envelope>(tx: Tx, causes: T[], message: (cause: T) => { userId: string; template: string; channel: Channel; payload: Record<string, string> }): Promise<Envelope[]> {
  const sentAt = new Date();
  const rows = causes.map((cause) => ({ cause, id: randomUUID(), ...message(cause) }));
  await tx.notification.createMany({ data: rows.map(({ cause: _cause, ...row }) => ({ ...row, status: "SENT" as const, sentAt })) });
  return rows.map(({ cause, id, userId, template, channel }) => followUp(cause, "notifications", "notification.sent", { notificationId: id, userId, template, channel }));
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(prisma: NotificationsPrisma): EventHandlers {
  const store: EventStore<Tx> = { schema: "notifications", transaction: (fn) => prisma.$transaction(fn) };
  return {
    "user.registered": transactionalHandler(
      "user.registered",
      store,
      (tx, event) => notify(tx, event, event.data.userId, "welcome", "EMAIL", { name: event.data.name }),
      (tx, events) => notifyMany(tx, events, (event) => ({ userId: event.data.userId, template: "welcome", channel: "EMAIL", payload: { name: event.data.name } })),
    ),
    "order.confirmed": transactionalHandler("order.confirmed", store, (tx, event) => notify(tx, event, event.data.customerId, "order-confirmed", "EMAIL", { orderId: event.data.orderId })),
    "order.cancelled": transactionalHandler("order.cancelled", store, (tx, event) =>
      notify(tx, event, event.data.customerId, "order-cancelled", "EMAIL", { orderId: event.data.orderId, reason: event.data.reason }),
    ),
  };
}
