import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import { createEvent, type Envelope } from "@fedplat/events";
import { outboxClaimSql, writeOutbox } from "@fedplat/event-store";
import pg from "pg";
import { rowsPerPlanStep, startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

let database: TestDatabase;
let workers: TestWorkers;

// A poll interval far beyond every wait below: whatever is delivered in time was delivered
// because the commit woke the relay (LISTEN/NOTIFY), not because it polled.
const NO_POLLING_MS = 10 * 60_000;

beforeAll(async () => {
  database = await createTestDatabase();
  workers = await startTestWorkers(database, { relay: { intervalMs: NO_POLLING_MS, batchSize: 200 } });
});
afterAll(async () => {
  await workers?.stop();
  await database?.drop();
});

const register = async () => {
  const event = createEvent(
    "user.registered",
    { userId: randomUUID(), email: `${randomUUID()}@example.com`, name: "Ada" },
    { producer: "accounts" },
  );
  await workers.clients.accounts.$transaction((tx) => writeOutbox(tx, [event]));
  return event;
};
const welcomed = (event: Envelope<"user.registered">) =>
  workers.clients.notifications.notification.count({ where: { userId: event.data.userId } });
const published = async (schema: string, eventId: string) =>
  (
    await workers.clients.accounts.$queryRawUnsafe<Array<{ published: boolean }>>(
      `SELECT published_at IS NOT NULL AS published FROM "${schema}"."outbox" WHERE id = $1::uuid`,
      eventId,
    )
  )[0]?.published;

describe("outbox relay", () => {
  it("publishes an event as soon as its transaction commits, without waiting for a poll", async () => {
    for (let i = 0; i < 3; i++) {
      const event = await register();
      await waitFor("the welcome notification", async () => (await welcomed(event)) === 1, 15_000);
    }
  });

  it("publishes nothing of a transaction that rolled back", async () => {
    const event = createEvent(
      "user.registered",
      { userId: randomUUID(), email: `${randomUUID()}@example.com`, name: "Rolled back" },
      { producer: "accounts" },
    );
    await expect(
      workers.clients.accounts.$transaction(async (tx) => {
        await writeOutbox(tx, [event]);
        throw new Error("the mutation failed after writing its event");
      }),
    ).rejects.toThrow("the mutation failed");
    const after = await register(); // delivered after the rolled-back one would have been
    await waitFor("the next welcome notification", async () => (await welcomed(after)) === 1, 15_000);
    expect(await welcomed(event)).toBe(0);
    expect(await published("accounts", event.eventId)).toBeUndefined();
  });

  it("keeps publishing on commit after its listening connection was killed", async () => {
    const [terminated] = await workers.clients.accounts.$queryRawUnsafe<Array<{ killed: number }>>(
      `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE application_name = 'fedplat-relay-listener' AND datname = current_database()`,
    );
    expect(terminated?.killed).toBe(1);
    // The listener reconnects within a second or two; an event committed before it is back is
    // published by the catch-up round that follows the reconnect.
    const event = await register();
    await waitFor("the welcome notification after the reconnect", async () => (await welcomed(event)) === 1, 20_000);
    const later = await register();
    await waitFor("the welcome notification of a later commit", async () => (await welcomed(later)) === 1, 15_000);
  });

  it("records an event that no service consumes as published, without a relay round", async () => {
    const sent = createEvent(
      "notification.sent",
      { notificationId: randomUUID(), userId: randomUUID(), template: "welcome", channel: "EMAIL" },
      { producer: "notifications" },
    );
    await workers.clients.notifications.$transaction((tx) => writeOutbox(tx, [sent]));
    expect(await published("notifications", sent.eventId)).toBe(true);
  });

  it("reads only its batch from the outbox however large the backlog, so catching up after an outage stays linear", async () => {
    // A database of its own: no relay runs there to take the backlog.
    const quiet = await createTestDatabase();
    const client = new pg.Client({ connectionString: quiet.url });
    await client.connect();
    try {
      const envelope = createEvent(
        "user.registered",
        { userId: randomUUID(), email: "backlog@example.com", name: "Backlog" },
        { producer: "accounts" },
      );
      await client.query(
        `INSERT INTO "accounts"."outbox" (id, type, envelope, published_at) SELECT gen_random_uuid(), 'user.registered', $1::jsonb, CASE WHEN i <= 20000 THEN now() END FROM generate_series(1, 40000) AS i`,
        [envelope],
      );
      await client.query(`ANALYZE "accounts"."outbox"`);
      const read = await rowsPerPlanStep(client, outboxClaimSql("accounts", 200));
      // 20,000 rows wait; no step of the claim handles more than the batch of 200.
      expect(read.filter(([, rows]) => rows > 200)).toEqual([]);
      expect(read).toContainEqual(["ModifyTable", 200]);
    } finally {
      await client.end();
      await quiet.drop();
    }
  });
});
