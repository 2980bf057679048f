import { randomUUID } from "node:crypto";
import {
  type EventStore,
  isBatchable,
  singleStatementHandler,
  sqlPoolOf,
  sqlStatements,
  transactionalHandler,
} from "@fedplat/event-store";
import { createTestDatabase, freePort, type TestDatabase } from "@fedplat/devkit";
import { createEvent, type Envelope, followUp, openPersonalData } from "@fedplat/events";
import {
  createNotificationsEventHandlers,
  createNotificationsPrisma,
  type NotificationsPrisma,
} from "@fedplat/notifications";
import { createGroupCommitter, isUnreachable } from "../src";

jest.setTimeout(60_000);

let database: TestDatabase;
let prisma: NotificationsPrisma;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createNotificationsPrisma(database.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const registered = (name = "Ada") =>
  createEvent(
    "user.registered",
    { userId: randomUUID(), email: `${randomUUID()}@example.com`, name },
    { producer: "accounts" },
  );
const context = { attempt: 1, isLastAttempt: false };
const notificationsOf = (events: Envelope[]) =>
  prisma.notification.count({
    where: { userId: { in: events.map((event) => (event as Envelope<"user.registered">).data.userId) } },
  });
const sentAnnouncements = async (events: Envelope[]) => {
  const [row] = await prisma.$queryRawUnsafe<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM "notifications"."outbox" WHERE type = 'notification.sent' AND envelope->>'causationId' = ANY($1::text[])`,
    events.map((event) => event.eventId),
  );
  return row?.n;
};

describe("group commit", () => {
  it("applies concurrent events in shared transactions, each once, with its follow-up event", async () => {
    const handler = createNotificationsEventHandlers(prisma)["user.registered"];
    if (!handler || !isBatchable(handler)) throw new Error("user.registered should be batchable");
    const apply = createGroupCommitter(handler, { maxBatch: 50, maxInFlight: 1 });
    // Each transaction takes one connection of the client's pool (notifications' handlers run
    // their statements on it directly).
    let transactions = 0;
    const countTransaction = () => transactions++;
    sqlPoolOf(prisma).on("acquire", countTransaction);
    const events = Array.from({ length: 60 }, () => registered());

    const outcomes = await Promise.all(events.map((event) => apply(event, context)));
    sqlPoolOf(prisma).off("acquire", countTransaction);

    expect(outcomes.every((outcome) => outcome === "applied")).toBe(true);
    expect(await notificationsOf(events)).toBe(60);
    expect(await sentAnnouncements(events)).toBe(60);
    // The first event goes alone; the 59 that arrive meanwhile share two batch transactions (50 + 9).
    expect(transactions).toBe(3);

    const again = await Promise.all(events.slice(0, 30).map((event) => apply(event, context)));
    expect(again.every((outcome) => outcome === "duplicate")).toBe(true);
    expect(await notificationsOf(events)).toBe(60);
  });

  it("fails only the event that breaks a batch; the others commit", async () => {
    const store: EventStore<Parameters<Parameters<NotificationsPrisma["$transaction"]>[0]>[0]> = {
      schema: "notifications",
      transaction: (fn) => prisma.$transaction(fn),
    };
    const handler = transactionalHandler("user.registered", store, async (tx, event) => {
      if (openPersonalData(event).name === "boom") throw new Error(`cannot notify ${event.data.userId}`);
      await tx.notification.create({
        data: { userId: event.data.userId, template: "welcome", channel: "EMAIL", status: "SENT", payload: {} },
      });
      return [];
    });
    const apply = createGroupCommitter(handler, { maxBatch: 50, maxInFlight: 1 });
    const good = Array.from({ length: 20 }, () => registered());
    const bad = registered("boom");
    const all = [good[0] as Envelope, ...good.slice(1, 10), bad, ...good.slice(10)];

    const results = await Promise.allSettled(all.map((event) => apply(event, context)));

    const failed = results.flatMap((result, i) => (result.status === "rejected" ? [all[i]] : []));
    expect(failed).toEqual([bad]);
    expect(String((results[all.indexOf(bad)] as PromiseRejectedResult).reason)).toContain("cannot notify");
    expect(await notificationsOf(good)).toBe(20);
    // Nothing of the failed event committed: not its effect, not its claim, so a retry can apply it.
    expect(await notificationsOf([bad])).toBe(0);
    expect(await prisma.processedEvent.count({ where: { eventId: bad.eventId } })).toBe(0);
  });

  it("applies an event carried twice in one batch once, and writes nothing for a redelivery", async () => {
    const handler = createNotificationsEventHandlers(prisma)["user.registered"];
    if (!handler || !isBatchable(handler)) throw new Error("user.registered should be batchable");
    const [first, second] = [registered(), registered()] as [Envelope, Envelope];

    const outcomes = await handler.applyMany([first, second, first]);

    expect(Object.fromEntries(outcomes)).toEqual({ [first.eventId]: "applied", [second.eventId]: "applied" });
    expect(await notificationsOf([first])).toBe(1);
    expect(await sentAnnouncements([first, second])).toBe(2);

    const again = await handler.applyMany([second]);
    expect(again.get(second.eventId)).toBe("duplicate");
    expect(await notificationsOf([second])).toBe(1);
    expect(await sentAnnouncements([second])).toBe(1);
  });

  it("commits nothing of a single-statement batch that fails: no claim, no effect, no follow-up", async () => {
    // The effect casts each row's channel to the Channel enum: the "boom" event's channel is not one.
    const handler = singleStatementHandler(
      "user.registered",
      { schema: "notifications", statements: sqlStatements(sqlPoolOf(prisma)) },
      {
        prepare: (event) => ({
          effect: {
            id: randomUUID(),
            userId: event.data.userId,
            channel: openPersonalData(event).name === "boom" ? "boom" : "EMAIL",
          },
          followUps: [
            followUp(event, "notifications", "notification.sent", {
              notificationId: randomUUID(),
              userId: event.data.userId,
              template: "welcome",
              channel: "EMAIL",
            }),
          ],
        }),
        sql: ({ fresh }) => `INSERT INTO "notifications"."notifications" (id, user_id, channel, template, status)
              SELECT row.id, row."userId", row.channel::"notifications"."Channel", 'welcome', 'SENT' FROM ${fresh}, jsonb_to_record(${fresh}.effect) AS row(id uuid, "userId" uuid, channel text)`,
      },
    );
    const good = registered();
    const bad = registered("boom");

    await expect(handler.applyMany([good, bad])).rejects.toThrow(/invalid input value for enum/);
    expect(await notificationsOf([good, bad])).toBe(0);
    expect(await sentAnnouncements([good, bad])).toBe(0);
    expect(await prisma.processedEvent.count({ where: { eventId: { in: [good.eventId, bad.eventId] } } })).toBe(0);

    // Applied alone (what the group committer falls back to), the good event commits.
    expect(await handler(good, context)).toBe("applied");
    expect(await notificationsOf([good])).toBe(1);
    expect(await sentAnnouncements([good])).toBe(1);
  });
});

describe("group commit while the database is unreachable", () => {
  it("fails every event of a batch with the connection error at once, instead of trying each alone", async () => {
    const down = createNotificationsPrisma(`postgresql://postgres:postgres@127.0.0.1:${await freePort()}/nowhere`, {
      queryEvents: false,
    });
    try {
      const handler = createNotificationsEventHandlers(down)["user.registered"];
      if (!handler || !isBatchable(handler)) throw new Error("user.registered should be batchable");
      let alone = 0;
      let batches = 0;
      const counted = Object.assign(
        (event: Envelope, ctx: typeof context) => {
          alone++;
          return handler(event, ctx);
        },
        {
          applyMany: (events: readonly Envelope[]) => {
            batches++;
            return handler.applyMany(events);
          },
        },
      );
      const apply = createGroupCommitter(counted, { maxBatch: 50, maxInFlight: 1 });
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => apply(registered(), context)));
      // notifications' handlers run their SQL on the pool directly: node-postgres's own error.
      expect(
        outcomes.map((outcome) =>
          outcome.status === "rejected" && isUnreachable(outcome.reason)
            ? (outcome.reason as { code?: string }).code
            : outcome.status,
        ),
      ).toEqual(Array(10).fill("ECONNREFUSED"));
      // The first event went alone; the nine that waited failed together with their one batch.
      expect({ alone, batches }).toEqual({ alone: 1, batches: 1 });
    } finally {
      await down.$disconnect();
    }
  });
});
