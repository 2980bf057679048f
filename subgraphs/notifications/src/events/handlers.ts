import { type Envelope, type EventHandler, type EventHandlers, type EventType, followUp, type InTransaction, type LiveUpdatePublisher, noLiveUpdates, transactionalHandler } from "@fedplat/events";
import type { NotificationsPrisma } from "../db";
import type { Channel, Notification, Prisma } from "../generated/prisma/client";

type Tx = Prisma.TransactionClient;

interface NotificationSpec {
  userId: string;
  template: string;
  channel: Channel;
  payload: Record<string, string>;
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(prisma: NotificationsPrisma, live: LiveUpdatePublisher = noLiveUpdates): EventHandlers {
  const inTransaction: InTransaction<Tx> = (fn) => prisma.$transaction(fn);
  /**
   * Records a notification as sent (delivery is simulated: there is no mail or SMS provider
   * here), announces it as an event, and, once committed, to the user's subscriptions.
   */
  const notify = <T extends EventType>(type: T, spec: (event: Envelope<T>) => NotificationSpec): EventHandler => async (event, context) => {
    let created: Notification | undefined;
    const outcome = await transactionalHandler(type, inTransaction, async (tx, typed) => {
      const { userId, template, channel, payload } = spec(typed);
      created = await tx.notification.create({ data: { userId, template, channel, status: "SENT", payload, sentAt: new Date() } });
      return [followUp(typed, "notifications", "notification.sent", { notificationId: created.id, userId, template, channel })];
    })(event, context);
    if (outcome === "applied" && created) await live.publish({ typename: "Notification", id: created.id, ownerId: created.userId });
    return outcome;
  };
  return {
    "user.registered": notify("user.registered", (event) => ({ userId: event.data.userId, template: "welcome", channel: "EMAIL", payload: { name: event.data.name } })),
    "order.confirmed": notify("order.confirmed", (event) => ({ userId: event.data.customerId, template: "order-confirmed", channel: "EMAIL", payload: { orderId: event.data.orderId } })),
    "order.cancelled": notify("order.cancelled", (event) => ({
      userId: event.data.customerId,
      template: "order-cancelled",
      channel: "EMAIL",
      payload: { orderId: event.data.orderId, reason: event.data.reason },
    })),
  };
}
