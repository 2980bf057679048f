import { randomUUID } from "node:crypto";
import {
  freePort,
  type OwnedPostgres,
  type RunningService,
  spawnService,
  startOwnedPostgres,
  stopService,
  TEST_IDENTITY_ENV,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import type { DeadLetter } from "@fedplat/events";
import { createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { Queue } from "bullmq";
import pg from "pg";
import { auditSagas, placeOrdersDirectly, providerNetCents, stockSnapshot, traceOrder } from "../fixtures";

// Two worker processes at production settings (concurrency 256, batches of 100), SIGKILLed at
// random moments while 2,000 sagas run through them: relay, catalog, payments, orders and
// notifications all live in those processes, so each kill lands in the middle of some of them.
jest.setTimeout(900_000);

const ORDERS = 2_000;
const KILLS = 6;
/** One wave of orders before each kill, so that every kill lands while sagas run. */
const WAVE = Math.ceil(ORDERS / KILLS);

let postgres: OwnedPostgres;
let db: pg.Pool;
let orders: OrdersPrisma;
let env: NodeJS.ProcessEnv;
const workers: RunningService[] = [];

async function startWorker(): Promise<RunningService> {
  const service = spawnService(WORKERS, { port: await freePort(), env });
  await waitUntilReady(service, 120_000);
  return service;
}

beforeAll(async () => {
  // A PostgreSQL of its own: two worker processes at production pool sizes need more connections
  // than the shared server has to spare next to the rest of the suite.
  postgres = await startOwnedPostgres();
  db = new pg.Pool({ connectionString: postgres.database.url, max: 3 });
  orders = createOrdersPrisma(postgres.database.url);
  env = {
    ...process.env,
    DATABASE_URL: postgres.database.url,
    BULLMQ_PREFIX: `test-${randomUUID()}`,
    ...TEST_IDENTITY_ENV,
    NODE_ENV: "test",
    LOG_LEVEL: "error",
    JOB_LOCK_MS: "10000", // a killed worker's jobs are taken over after 10 s (production: 30 s)
    PAYMENT_FAILURE_RATE: "0.1",
    PAYMENT_LATENCY_MS: "20",
    EVENTS_BACKOFF_MS: "200",
  };
  workers.push(await startWorker(), await startWorker());
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => stopService(worker)));
  await orders?.$disconnect();
  await db?.end();
  await postgres?.destroy();
});

const random = (min: number, max: number) => min + Math.random() * (max - min);
const pendingOf = async (ids: string[]) =>
  Number(
    (await db.query(`SELECT count(*) FROM "orders"."orders" WHERE id = ANY($1::uuid[]) AND status = 'PENDING'`, [ids]))
      .rows[0].count,
  );

describe("workers SIGKILLed repeatedly during 2,000 sagas at production concurrency and batch size", () => {
  it("settles every order exactly once: stock, payments, money at the provider and notifications balance; no dead letter but real payment failures", async () => {
    const stockBefore = await stockSnapshot(db);
    const ids: string[] = [];
    const pendingAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      ids.push(...(await placeOrdersDirectly(db, orders, { count: Math.min(WAVE, ORDERS - ids.length) })));
      // At a random moment, but before the wave is almost through (a CI run once found all settled).
      const killAt = Date.now() + random(500, 3_000);
      while (Date.now() < killAt && (await pendingOf(ids)) > WAVE / 4)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const victim = Math.floor(Math.random() * workers.length);
      const worker = workers[victim] as RunningService;
      pendingAtKill.push(await pendingOf(ids));
      worker.child.kill("SIGKILL");
      await worker.exited;
      workers[victim] = await startWorker();
    }
    // Every kill hit a run in progress.
    for (const pending of pendingAtKill) expect(pending).toBeGreaterThan(0);

    // Until every order settles, or nothing has moved for 2 minutes (stuck: fail now, with traces).
    const deadline = Date.now() + 600_000;
    let lastPending = -1;
    let movedAt = Date.now();
    for (
      let pending = await pendingOf(ids);
      pending > 0 && Date.now() < deadline && Date.now() - movedAt < 120_000;
      pending = await pendingOf(ids)
    ) {
      if (pending !== lastPending) [lastPending, movedAt] = [pending, Date.now()];
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Follow-ups of the last transitions (restock, notifications) may still be in flight: wait for the outboxes and queues to drain.
    const quiet = async () => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*) FROM "orders"."outbox" WHERE published_at IS NULL) + (SELECT count(*) FROM "catalog"."outbox" WHERE published_at IS NULL) + (SELECT count(*) FROM "payments"."outbox" WHERE published_at IS NULL) AS n`,
      );
      return Number(rows[0].n) === 0;
    };
    let audit = await auditSagas(db, ids, stockBefore, providerNetCents(db));
    while ((audit.problems.length > 0 || !(await quiet())) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      audit = await auditSagas(db, ids, stockBefore, providerNetCents(db));
    }
    if (audit.pending.length > 0) {
      // Where the first stuck sagas stand, in the failure message.
      const queues = new Map<string, Queue>();
      const queueOf = (consumer: string) =>
        queues.get(consumer) ??
        (queues
          .set(
            consumer,
            new Queue(`events-${consumer}`, {
              connection: { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
              prefix: env.BULLMQ_PREFIX,
            }),
          )
          .get(consumer) as Queue);
      const traces = await Promise.all(
        audit.pending.slice(0, 3).map((id) =>
          traceOrder(db, id, async (consumer, eventId) => {
            const job = await queueOf(consumer).getJob(eventId);
            return job ? `${await job.getState()}${job.failedReason ? ` (${job.failedReason})` : ""}` : "unknown";
          }),
        ),
      );
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      expect({ pending: audit.pending.length, traces }).toEqual({ pending: 0, traces: [] });
    }
    expect(audit.problems).toEqual([]);
    expect(audit.orders).toBe(ORDERS);
    expect(audit.confirmed).toBeGreaterThan(ORDERS / 2);

    // The only dead letters: charges declined on every attempt (a real payment failure).
    const deadLetters = new Queue("dead-letters", {
      connection: { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
      prefix: env.BULLMQ_PREFIX,
    });
    try {
      const letters = (
        await deadLetters.getJobs(["waiting", "delayed", "prioritized", "active", "completed", "failed"])
      ).map((job) => job.data as DeadLetter);
      const notPaymentFailures = letters.filter(
        (letter) =>
          letter.consumer !== "payments" ||
          (letter.event as { type?: string }).type !== "stock.reserved" ||
          letter.errors.some((error) => !/card_declined|provider_timeout/.test(error)),
      );
      expect(notPaymentFailures).toEqual([]);
    } finally {
      await deadLetters.obliterate({ force: true });
      await deadLetters.close();
    }
  });
});
