import { randomUUID } from "node:crypto";
import {
  concludeOutboxSql,
  outboxEnvelopesSql,
  settleOutboxSql,
  sqlPoolOf,
  unsettledClaimSql,
  writeOutbox,
} from "@fedplat/event-store";
import { createTestDatabase, TEST_IDENTITY_ENV, type TestDatabase } from "@fedplat/devkit";
import { createEvent, type Envelope } from "@fedplat/events";
import pg from "pg";
import { loadWorkersConfig } from "../src";
import { rowsPerPlanStep, startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

let database: TestDatabase;
let workers: TestWorkers;

beforeAll(async () => {
  database = await createTestDatabase();
  // No timer: each test runs the rounds itself. Rows are rechecked 1 s after publication.
  workers = await startTestWorkers(database, { reconcile: { intervalMs: 0, recheckMs: 1_000, batchSize: 100 } });
});
afterAll(async () => {
  await workers?.stop();
  await database?.drop();
});

const pool = () => sqlPoolOf(workers.clients.accounts);
const registered = () =>
  createEvent(
    "user.registered",
    { userId: randomUUID(), email: `${randomUUID()}@example.com`, name: "Ada" },
    { producer: "accounts" },
  );

/** An accounts outbox row as the relay leaves it, published a minute ago (its job, if any, is up to the test). */
async function publishedRow(
  event: Envelope | { eventId: string; type: string },
  envelope: unknown = event,
): Promise<void> {
  await pool().query(
    `INSERT INTO "accounts"."outbox" (id, type, envelope, published_at) VALUES ($1::uuid, $2, $3::jsonb, now() - interval '1 minute')`,
    [event.eventId, event.type, JSON.stringify(envelope)],
  );
}
const rowOf = async (id: string) =>
  (
    await pool().query<{ settled: boolean; rechecked: boolean }>(
      `SELECT settled_at IS NOT NULL AS settled, published_at > now() - interval '30 seconds' AS rechecked FROM "accounts"."outbox" WHERE id = $1::uuid`,
      [id],
    )
  ).rows[0];
const welcomes = (event: Envelope<"user.registered">) =>
  workers.clients.notifications.notification.count({ where: { userId: event.data.userId } });
const reconcile = async () => (await workers.workers.reconciler.runOnce()).find((round) => round.schema === "accounts");

describe("the outbox reconciler", () => {
  it("settles a row its consumer applied", async () => {
    const event = registered();
    await publishedRow(event);
    await workers.clients.notifications.processedEvent.create({ data: { eventId: event.eventId, type: event.type } });
    expect(await reconcile()).toMatchObject({ settled: 1, republished: 0, waiting: 0 });
    expect(await rowOf(event.eventId)).toMatchObject({ settled: true });
  });

  it("re-publishes an event whose job Redis lost; it is applied once, then settled", async () => {
    const event = registered();
    await publishedRow(event); // published, but no job anywhere: Redis lost it
    expect(await reconcile()).toMatchObject({ settled: 0, republished: 1, waiting: 1 });
    expect(await rowOf(event.eventId)).toEqual({ settled: false, rechecked: true });
    await waitFor("the welcome notification", async () => (await welcomes(event)) === 1, 15_000);
    await pool().query(
      `UPDATE "accounts"."outbox" SET published_at = now() - interval '1 minute' WHERE id = $1::uuid`,
      [event.eventId],
    ); // as if recheckMs passed
    expect(await reconcile()).toMatchObject({ settled: 1, republished: 0 });
    expect(await welcomes(event)).toBe(1);
  });

  it("leaves a job Redis still has alone (a retry's backoff, say) and looks at it again only after recheckMs", async () => {
    const event = registered();
    await publishedRow(event);
    await workers.workers.queues.notifications!.add(event.type, event, { jobId: event.eventId, delay: 3_600_000 });
    expect(await reconcile()).toMatchObject({ settled: 0, republished: 0, waiting: 1 });
    expect(await rowOf(event.eventId)).toEqual({ settled: false, rechecked: true });
    expect(await reconcile()).toMatchObject({ settled: 0, republished: 0, waiting: 0 }); // not due yet
    expect(await workers.workers.queues.notifications!.getJobState(event.eventId)).toBe("delayed");
  });

  it("settles a row whose job completed though processed_events did not show it yet, and re-publishes none", async () => {
    const event = registered();
    await publishedRow(event);
    const queue = workers.workers.queues.notifications;
    if (!queue) throw new Error("no notifications queue");
    await queue.add(event.type, event, { jobId: event.eventId });
    await waitFor("the job to complete", async () => (await queue.getJobState(event.eventId)) === "completed", 15_000);
    // As if the look-up of processed_events ran just before the consumer's commit.
    await workers.clients.notifications.processedEvent.delete({ where: { eventId: event.eventId } });
    expect(await reconcile()).toMatchObject({ settled: 1, republished: 0, waiting: 0 });
    expect(await rowOf(event.eventId)).toMatchObject({ settled: true });
    expect(await welcomes(event)).toBe(1);
  });

  it("keeps a row whose job failed for good unsettled (its dead letter holds it) and re-publishes nothing", async () => {
    const event = registered();
    await publishedRow(event);
    const queue = workers.workers.queues.notifications;
    if (!queue) throw new Error("no notifications queue");
    // Altered after signing: the consumer refuses it at once (UnrecoverableError).
    await queue.add(event.type, { ...event, producer: "catalog" }, { jobId: event.eventId });
    await waitFor("the job to fail", async () => (await queue.getJobState(event.eventId)) === "failed", 15_000);
    expect(await reconcile()).toMatchObject({ settled: 0, republished: 0, waiting: 1 });
    expect(await rowOf(event.eventId)).toEqual({ settled: false, rechecked: true });
  });

  it("settles an event no service consumes at insert, and keeps an undeliverable row unsettled (its record)", async () => {
    const sent = createEvent(
      "notification.sent",
      { notificationId: randomUUID(), userId: randomUUID(), template: "welcome", channel: "EMAIL" },
      { producer: "notifications" },
    );
    await workers.clients.notifications.$transaction((tx) => writeOutbox(tx, [sent]));
    const [row] = await workers.clients.notifications.$queryRawUnsafe<Array<{ settled: boolean }>>(
      `SELECT settled_at IS NOT NULL AS settled FROM "notifications"."outbox" WHERE id = $1::uuid`,
      sent.eventId,
    );
    expect(row?.settled).toBe(true);

    const unknown = { eventId: randomUUID(), type: "user.renamed" };
    await publishedRow(unknown, { ...unknown, version: 1 });
    expect(await reconcile()).toMatchObject({ settled: 0, republished: 0, waiting: 1 });
    expect(await rowOf(unknown.eventId)).toEqual({ settled: false, rechecked: true });
  });

  it("is configured by OUTBOX_RECHECK_MS and OUTBOX_RECONCILE_INTERVAL_MS, and refuses a recheck too short to let a job run", () => {
    expect(loadWorkersConfig({ ...TEST_IDENTITY_ENV }).relay).toMatchObject({
      recheckMs: 30_000,
      reconcileIntervalMs: 5_000,
    });
    expect(() => loadWorkersConfig({ ...TEST_IDENTITY_ENV, OUTBOX_RECHECK_MS: "50" })).toThrow(
      /OUTBOX_RECHECK_MS: must be at least 100/,
    );
  });

  it("reads only unsettled rows, however large the settled history", async () => {
    // A database of its own: no workers there.
    const quiet = await createTestDatabase();
    const client = new pg.Client({ connectionString: quiet.url });
    await client.connect();
    try {
      const envelope = registered();
      // 20,000 settled rows and 5 due for a recheck.
      await client.query(
        `INSERT INTO "accounts"."outbox" (id, type, envelope, published_at, settled_at) SELECT gen_random_uuid(), 'user.registered', $1::jsonb, now() - interval '1 hour', CASE WHEN i > 5 THEN now() END FROM generate_series(1, 20005) AS i`,
        [envelope],
      );
      await client.query(`ANALYZE "accounts"."outbox"`);
      const read = await rowsPerPlanStep(client, unsettledClaimSql("accounts", 30_000, 1_000));
      expect(Math.max(...read.map(([, rows]) => rows))).toBe(5);
      // Settling, re-marking and re-publishing a batch of 1,000 ids read the rows in flight too,
      // not the settled history (the planner preferred a scan of the whole table to 1,000 look-ups).
      const held = (
        await client.query<{ id: string }>(
          `SELECT id::text AS id FROM "accounts"."outbox" WHERE settled_at IS NULL ORDER BY published_at`,
        )
      ).rows.map((row) => row.id);
      const batch = [...held, ...Array.from({ length: 995 }, () => randomUUID())];
      for (const [sql, values] of [
        [settleOutboxSql("accounts"), [batch]],
        [concludeOutboxSql("accounts"), [batch.slice(0, 500), batch]],
        [outboxEnvelopesSql("accounts"), [batch]],
      ] as const) {
        const steps = await rowsPerPlanStep(client, sql, [...values]);
        expect(Math.max(...steps.map(([, rows]) => rows))).toBeLessThanOrEqual(5);
      }
    } finally {
      await client.end();
      await quiet.drop();
    }
  });
});
