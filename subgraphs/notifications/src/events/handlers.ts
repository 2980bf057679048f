import { randomUUID } from "node:crypto";
import { type Envelope, type EventHandlers, type EventStore, type EventType, followUp, type LiveUpdatePublisher, noLiveUpdates, transactionalHandler } from "@fedplat/events";
import type { NotificationsPrisma } from "../db";
import type { Channel, Prisma } from "../generated/prisma/client";

type Tx = Prisma.TransactionClient;

interface NotificationSpec {
  userId: string;
  template: string;
  channel: Channel;
  payload: Record<string, string>;
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(prisma: NotificationsPrisma, live: LiveUpdatePublisher = noLiveUpdates): EventHandlers {
  const store: EventStore<Tx> = { schema: "notifications", transaction: (fn) => prisma.$transaction(fn) };
  /**
   * Records notifications as sent (delivery is simulated: there is no mail or SMS provider
   * here) in one INSERT for however many events the transaction carries (ids chosen here, so
   * no RETURNING is needed), and announces each as an event.
   */
  const record = async <T extends EventType>(tx: Tx, causes: Array<Envelope<T>>, spec: (event: Envelope<T>) => NotificationSpec): Promise<Envelope[]> => {
    const sentAt = new Date();
    const rows = causes.map((cause) => ({ cause, id: randomUUID(), ...spec(cause) }));
    await tx.notification.createMany({ data: rows.map(({ cause: _cause, ...row }) => ({ ...row, status: "SENT" as const, sentAt })) });
    return rows.map(({ cause, id, userId, template, channel }) => followUp(cause, "notifications", "notification.sent", { notificationId: id, userId, template, channel }));
  };
  // Once committed, each new notification reaches its user's subscriptions.
  const announce = async (followUps: readonly Envelope[]) => {
    const sent = followUps.filter((event): event is Envelope<"notification.sent"> => event.type === "notification.sent");
    if (sent.length > 0) await live.publish(...sent.map((event) => ({ typename: "Notification" as const, id: event.data.notificationId, ownerId: event.data.userId })));
  };
  const notify = <T extends EventType>(type: T, spec: (event: Envelope<T>) => NotificationSpec) =>
    transactionalHandler(type, store, (tx, event) => record(tx, [event], spec), { effectMany: (tx, events) => record(tx, events, spec), afterCommit: announce });
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
