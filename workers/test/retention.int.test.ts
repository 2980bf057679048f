import { randomUUID } from "node:crypto";
import { type AccountsPrisma, createAccountsPrisma } from "@fedplat/accounts";
import { pruneSql, sqlPoolOf } from "@fedplat/event-store";
import { createTestDatabase, TEST_IDENTITY_ENV, type TestDatabase } from "@fedplat/devkit";
import { CONSUMERS, createEvent, DEAD_LETTER_QUEUE } from "@fedplat/events";
import { Queue } from "bullmq";
import pg from "pg";
import { loadWorkersConfig, type Pruned, pruneDeadLetters, pruneEventTables } from "../src";
import { rowsPerPlanStep, startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

let database: TestDatabase;
let workers: TestWorkers;
/** A second database that no scheduler prunes, for exact counts of a direct prune. */
let quiet: TestDatabase;
let quietAccounts: AccountsPrisma;
const pruned: Pruned[] = [];
const DAY_MS = 24 * 3_600_000;

beforeAll(async () => {
  database = await createTestDatabase();
  // Retention of 7 days (outbox), 30 days (processed events) and 14 days (dead letters), pruning every 300 ms.
  workers = await startTestWorkers(database, {
    retention: {
      outboxMs: 7 * DAY_MS,
      processedMs: 30 * DAY_MS,
      deadLettersMs: 14 * DAY_MS,
      intervalMs: 300,
      batchSize: 2,
    },
    onPruned: (result) => pruned.push(result),
  });
  quiet = await createTestDatabase();
  quietAccounts = createAccountsPrisma(quiet.url, { queryEvents: false });
});
afterAll(async () => {
  await workers?.stop();
  await database?.drop();
  await quietAccounts?.$disconnect();
  await quiet?.drop();
});

type Pool = ReturnType<typeof sqlPoolOf>;
const scheduled = () => sqlPoolOf(workers.clients.accounts);

/** An outbox row of accounts written `ageDays` ago, published `publishedDaysAgo` ago (null: never), settled then unless `settled` is false. */
async function outboxRow(
  pool: Pool,
  ageDays: number,
  publishedDaysAgo: number | null,
  settled = true,
): Promise<string> {
  const event = createEvent(
    "user.authenticated",
    { userId: randomUUID(), at: new Date().toISOString() },
    { producer: "accounts" },
  );
  await pool.query(
    `INSERT INTO "accounts"."outbox" (id, type, envelope, created_at, published_at, settled_at)
     VALUES ($1::uuid, $2, $3::jsonb, now() - $4::int * interval '1 day', now() - $5::int * interval '1 day', CASE WHEN $6 THEN now() - $5::int * interval '1 day' END)`,
    [event.eventId, event.type, JSON.stringify(event), ageDays, publishedDaysAgo, settled],
  );
  return event.eventId;
}
async function processedRecord(pool: Pool, ageDays: number): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO "accounts"."processed_events" (event_id, type, processed_at) VALUES ($1::uuid, 'order.confirmed', now() - $2::int * interval '1 day')`,
    [id, ageDays],
  );
  return id;
}
const remaining = async (pool: Pool, table: "outbox" | "processed_events", ids: string[]) =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "accounts"."${table}" WHERE ${table === "outbox" ? "id" : "event_id"} = ANY($1::uuid[])`,
      [ids],
    )
  ).rows[0]?.n;

describe("event table retention", () => {
  it("deletes settled outbox rows and processed records past their retention, and nothing else", async () => {
    const pool = sqlPoolOf(quietAccounts);
    const oldPublished = [await outboxRow(pool, 10, 9), await outboxRow(pool, 9, 8), await outboxRow(pool, 20, 19)];
    const recentPublished = await outboxRow(pool, 3, 2);
    const oldUnpublished = await outboxRow(pool, 30, null); // waiting for Redis, say: must never be lost
    // Published, but a consumer has not applied it: the only copy left if Redis lost the job.
    const oldUnsettled = await outboxRow(pool, 10, 9, false);
    const oldProcessed = [
      await processedRecord(pool, 40),
      await processedRecord(pool, 31),
      await processedRecord(pool, 35),
    ];
    const recentProcessed = await processedRecord(pool, 29);

    const result = await pruneEventTables(
      { schema: "accounts", query: (sql, values) => pool.query(sql, values) },
      { outboxMs: 7 * DAY_MS, processedMs: 30 * DAY_MS, batchSize: 2 },
    );

    expect(await remaining(pool, "outbox", oldPublished)).toBe(0);
    expect(await remaining(pool, "outbox", [recentPublished, oldUnpublished, oldUnsettled])).toBe(3);
    expect(await remaining(pool, "processed_events", oldProcessed)).toBe(0);
    expect(await remaining(pool, "processed_events", [recentProcessed])).toBe(1);
    // Three each, two per statement: the prune keeps going until a batch comes back short.
    expect(result).toEqual({ schema: "accounts", outbox: 3, processed: 3 });
  });

  it("deletes orders' idempotency keys older than 24 h and keeps younger ones", async () => {
    const client = new pg.Client({ connectionString: quiet.url });
    await client.connect();
    try {
      const key = async (ageHours: number) =>
        (
          await client.query<{ id: string }>(
            `INSERT INTO "orders"."idempotency_keys" (id, customer_id, key, request_hash, order_id, created_at)
             VALUES (gen_random_uuid(), gen_random_uuid(), 'k', repeat('0', 64), gen_random_uuid(), now() - $1::int * interval '1 hour') RETURNING id`,
            [ageHours],
          )
        ).rows[0]?.id;
      const expired = [await key(25), await key(48), await key(30)];
      const kept = [await key(1), await key(23)];
      const result = await pruneEventTables(
        { schema: "orders", query: (sql, values) => client.query(sql, values), idempotencyKeysMs: DAY_MS },
        { outboxMs: 7 * DAY_MS, processedMs: 30 * DAY_MS, batchSize: 2 },
      );
      const left = await client.query<{ id: string }>(
        `SELECT id FROM "orders"."idempotency_keys" WHERE id = ANY($1::uuid[])`,
        [[...expired, ...kept]],
      );
      expect(new Set(left.rows.map((row) => row.id))).toEqual(new Set(kept));
      expect(result.idempotencyKeys).toBe(3);
    } finally {
      await client.end();
    }
  });

  it("prunes on its own schedule, in one of the worker processes, with counts per service", async () => {
    const before = pruned.length;
    const pool = scheduled();
    const oldPublished = await outboxRow(pool, 12, 11);
    const oldProcessed = await processedRecord(pool, 45);
    await waitFor(
      "the scheduled prune",
      async () =>
        (await remaining(pool, "outbox", [oldPublished])) === 0 &&
        (await remaining(pool, "processed_events", [oldProcessed])) === 0,
      20_000,
    );
    await waitFor(
      "the prune to report",
      async () =>
        pruned
          .slice(before)
          .some((result) => result.schema === "accounts" && result.outbox >= 1 && result.processed >= 1),
      10_000,
    );
    expect(new Set(pruned.map((result) => result.schema))).toEqual(new Set(CONSUMERS)); // every service with event tables (services.json)
  });

  it("prunes again after Redis lost its scheduler (the keys of the maintenance queue deleted)", async () => {
    const keys = await workers.redis.keys(`${workers.prefix}:maintenance:*`);
    expect(keys.length).toBeGreaterThan(0);
    await workers.redis.del(...keys);
    const pool = scheduled();
    const oldPublished = await outboxRow(pool, 12, 11);
    await waitFor(
      "a prune after the scheduler was lost",
      async () => (await remaining(pool, "outbox", [oldPublished])) === 0,
      20_000,
    );
  });

  it("reads only expired rows, however large the tables (pruning a big table stays cheap)", async () => {
    // A database of its own, so nothing else prunes or writes there.
    const own = await createTestDatabase();
    const client = new pg.Client({ connectionString: own.url });
    await client.connect();
    try {
      const event = createEvent(
        "user.authenticated",
        { userId: randomUUID(), at: new Date().toISOString() },
        { producer: "accounts" },
      );
      // 20,000 recent rows in each table and 5 expired ones.
      await client.query(
        `INSERT INTO "accounts"."outbox" (id, type, envelope, created_at, published_at, settled_at)
         SELECT gen_random_uuid(), $1, $2::jsonb, t, t, t FROM (SELECT now() - CASE WHEN i <= 5 THEN interval '10 days' ELSE interval '1 hour' END AS t FROM generate_series(1, 20005) AS i) AS s`,
        [event.type, JSON.stringify(event)],
      );
      await client.query(
        `INSERT INTO "accounts"."processed_events" (event_id, type, processed_at)
         SELECT gen_random_uuid(), 'order.confirmed', now() - CASE WHEN i <= 5 THEN interval '40 days' ELSE interval '1 hour' END FROM generate_series(1, 20005) AS i`,
      );
      await client.query(`ANALYZE "accounts"."outbox"`);
      await client.query(`ANALYZE "accounts"."processed_events"`);
      for (const [table, olderThanMs] of [
        ["outbox", 7 * DAY_MS],
        ["processed_events", 30 * DAY_MS],
      ] as const) {
        const read = await rowsPerPlanStep(client, pruneSql("accounts", table), [olderThanMs, 1_000]);
        // Every step handles just the 5 expired rows; without an index on the age column, one
        // reads all 20,005 to find them.
        expect({ table, mostRowsOfAStep: Math.max(...read.map(([, rows]) => rows)) }).toEqual({
          table,
          mostRowsOfAStep: 5,
        });
      }
    } finally {
      await client.end();
      await own.drop();
    }
  });

  it("refuses a processed-event retention shorter than the failed jobs' (a late retry would apply an event twice)", () => {
    expect(() => loadWorkersConfig({ ...TEST_IDENTITY_ENV, PROCESSED_EVENTS_RETENTION_HOURS: "24" })).toThrow(
      /PROCESSED_EVENTS_RETENTION_HOURS: must be at least 192/,
    );
    expect(loadWorkersConfig({ ...TEST_IDENTITY_ENV }).retention.processedEventsHours).toBe(720);
  });
});

describe("dead-letter retention", () => {
  /** A dead letter written `ageDays` ago (BullMQ keeps when each was added). */
  const deadLetter = (queue: Queue, ageDays: number) => {
    const event = createEvent(
      "order.cancelled",
      { orderId: randomUUID(), customerId: randomUUID(), reason: "test" },
      { producer: "orders" },
    );
    return queue
      .add(
        "dead-letter",
        {
          queue: "events-orders",
          consumer: "orders",
          jobId: event.eventId,
          event,
          attempts: 5,
          errors: ["Error: boom"],
          failedAt: new Date().toISOString(),
        },
        { jobId: `events-orders.${event.eventId}`, timestamp: Date.now() - ageDays * DAY_MS },
      )
      .then((job) => String(job.id));
  };

  it("removes the dead letters older than the retention, in batches, and keeps younger ones", async () => {
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const prefix = `test-${randomUUID()}`;
    const queue = new Queue(DEAD_LETTER_QUEUE, { connection: { url: redisUrl }, prefix });
    try {
      const old = [await deadLetter(queue, 15), await deadLetter(queue, 20), await deadLetter(queue, 400)];
      const young = [await deadLetter(queue, 13), await deadLetter(queue, 0)];
      expect(await pruneDeadLetters(queue, 14 * DAY_MS, 2)).toBe(old.length);
      expect((await queue.getWaiting()).map((job) => job.id).sort()).toEqual([...young].sort());
      expect(await pruneDeadLetters(queue, 14 * DAY_MS, 2)).toBe(0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it("prunes old dead letters on the maintenance schedule (DEAD_LETTER_RETENTION_DAYS, 14 by default)", async () => {
    const queue = workers.workers.deadLetters;
    const old = await deadLetter(queue, 15);
    const young = await deadLetter(queue, 2);
    await waitFor("the scheduled prune of dead letters", async () => (await queue.getJob(old)) === undefined, 20_000);
    expect(await queue.getJob(young)).toBeDefined();
    expect(loadWorkersConfig({ ...TEST_IDENTITY_ENV }).retention.deadLetterDays).toBe(14);
    expect(() => loadWorkersConfig({ ...TEST_IDENTITY_ENV, DEAD_LETTER_RETENTION_DAYS: "0" })).toThrow(
      /DEAD_LETTER_RETENTION_DAYS/,
    );
  });
});
