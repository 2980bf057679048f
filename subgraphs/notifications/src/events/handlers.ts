import { randomUUID } from "node:crypto";
import { type Envelope, type EventHandlers, type EventStore, type EventType, followUp, type LiveUpdatePublisher, noLiveUpdates, transactionalHandler } from "@fedplat/events";
import { type SqlTransaction, sqlPoolOf, sqlTransaction } from "@fedplat/common";
import type { NotificationsPrisma } from "../db";
import type { Channel } from "../generated/prisma/client";

interface NotificationSpec {
  userId: string;
  template: string;
  channel: Channel;
  payload: Record<string, string>;
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(prisma: NotificationsPrisma, live: LiveUpdatePublisher = noLiveUpdates): EventHandlers {
  // Every statement here is raw SQL, so the transaction runs on the client's pool without Prisma
  // (an interactive Prisma transaction costs several times the CPU of its statements).
  const pool = sqlPoolOf(prisma);
  const store: EventStore<SqlTransaction> = { schema: "notifications", transaction: (fn) => sqlTransaction(pool, fn) };
  /**
   * Records notifications as sent (delivery is simulated: there is no mail or SMS provider
   * here) in one INSERT for however many events the transaction carries (ids chosen here, so
   * no RETURNING is needed), and announces each as an event. Raw SQL with the rows as one json
   * parameter on this hot path (as the event store's own statements): Prisma's createMany
   * compiles a new query plan for every batch size, which costs more CPU than the insert.
   */
  const record = async <T extends EventType>(tx: SqlTransaction, causes: Array<Envelope<T>>, spec: (event: Envelope<T>) => NotificationSpec): Promise<Envelope[]> => {
    const rows = causes.map((cause) => ({ cause, id: randomUUID(), ...spec(cause) }));
    await tx.$executeRawUnsafe(
      `INSERT INTO "notifications"."notifications" (id, user_id, channel, template, payload, status, sent_at)
       SELECT id, "userId", channel::"notifications"."Channel", template, payload, 'SENT', $2::timestamp(3)
       FROM jsonb_to_recordset($1::jsonb) AS row(id uuid, "userId" uuid, channel text, template text, payload jsonb)`,
      JSON.stringify(rows.map(({ id, userId, channel, template, payload }) => ({ id, userId, channel, template, payload }))),
      new Date().toISOString(),
    );
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
