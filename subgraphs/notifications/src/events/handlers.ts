import {
  type EventHandlers,
  singleStatementHandler,
  sqlPoolOf,
  sqlStatements,
  type StatementEffect,
} from "@fedplat/event-store";
import { timeOrderedId } from "@fedplat/runtime";
import {
  type Envelope,
  type EventType,
  followUp,
  type LiveUpdatePublisher,
  noLiveUpdates,
  openPersonalData,
} from "@fedplat/events";
import type { NotificationsPrisma } from "../db";
import type { Channel } from "../generated/prisma/client";

interface NotificationSpec {
  userId: string;
  template: string;
  channel: Channel;
  payload: Record<string, string>;
}

/** What notifications does with the events routed to it. */
export function createNotificationsEventHandlers(
  prisma: NotificationsPrisma,
  live: LiveUpdatePublisher = noLiveUpdates,
): EventHandlers {
  // Claim, notification and notification.sent are one raw statement on the client's pool,
  // without Prisma (an interactive Prisma transaction costs several times the CPU of its
  // statements) and without BEGIN/COMMIT (see singleStatementHandler).
  const store = { schema: "notifications", statements: sqlStatements(sqlPoolOf(prisma)) };
  /**
   * Records notifications as sent (delivery is simulated: there is no mail or SMS provider
   * here), one row per event however many the statement carries (ids chosen here, so no
   * RETURNING is needed), and announces each as an event. Rows come from the statement's json
   * parameter: Prisma's createMany compiles a new query plan for every batch size, which costs
   * more CPU than the insert.
   */
  const recordSent = <T extends EventType>(spec: (event: Envelope<T>) => NotificationSpec): StatementEffect<T> => ({
    prepare: (cause) => {
      const notification = { id: timeOrderedId(), ...spec(cause) };
      const { id, userId, template, channel } = notification;
      return {
        effect: notification,
        followUps: [
          followUp(cause, "notifications", "notification.sent", { notificationId: id, userId, template, channel }),
        ],
      };
    },
    sql: ({
      fresh,
      param,
    }) => `INSERT INTO "notifications"."notifications" (id, user_id, channel, template, payload, status, sent_at)
          SELECT row.id, row."userId", row.channel::"notifications"."Channel", row.template, row.payload, 'SENT', ${param(1)}::timestamp(3)
          FROM ${fresh}, jsonb_to_record(${fresh}.effect) AS row(id uuid, "userId" uuid, channel text, template text, payload jsonb)`,
    params: () => [new Date().toISOString()],
  });
  // Once committed, each new notification reaches its user's subscriptions.
  const announce = async (followUps: readonly Envelope[]) => {
    const sent = followUps.filter(
      (event): event is Envelope<"notification.sent"> => event.type === "notification.sent",
    );
    if (sent.length > 0)
      await live.publish(
        ...sent.map((event) => ({
          typename: "Notification" as const,
          id: event.data.notificationId,
          ownerId: event.data.userId,
        })),
      );
  };
  const notify = <T extends EventType>(type: T, spec: (event: Envelope<T>) => NotificationSpec) =>
    singleStatementHandler(type, store, recordSent(spec), { afterCommit: announce });
  return {
    "user.registered": notify("user.registered", (event) => {
      // The one handler that needs the person: the address to send to and the name to greet.
      // Opened here only; the event stays sealed in the outbox, the queue and any dead letter.
      const { userId, email, name } = openPersonalData(event);
      return { userId, template: "welcome", channel: "EMAIL", payload: { to: email, name } };
    }),
    "user.registration_attempted": notify("user.registration_attempted", (event) => ({
      userId: event.data.userId,
      template: "registration-attempted",
      channel: "EMAIL",
      payload: { at: event.data.at },
    })),
    "order.confirmed": notify("order.confirmed", (event) => ({
      userId: event.data.customerId,
      template: "order-confirmed",
      channel: "EMAIL",
      payload: { orderId: event.data.orderId },
    })),
    "order.cancelled": notify("order.cancelled", (event) => ({
      userId: event.data.customerId,
      template: "order-cancelled",
      channel: "EMAIL",
      payload: { orderId: event.data.orderId, reason: event.data.reason },
    })),
  };
}
