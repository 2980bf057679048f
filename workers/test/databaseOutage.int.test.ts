import { randomUUID } from "node:crypto";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createRedis, type Redis } from "@fedplat/runtime";
import {
  freePort,
  gatewayHeaders,
  type OwnedPostgres,
  type RunningService,
  spawnService,
  startOwnedPostgres,
  startTestSubgraph,
  stopService,
  TEST_IDENTITY_ENV,
  TEST_ORDERS_SERVICE_KEY,
  type TestSubgraph,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import { CONSUMERS, DEAD_LETTER_QUEUE, queueOf } from "@fedplat/events";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { Queue } from "bullmq";
import { createServiceClients } from "../src";
import { type DemoClients, demoClients, waitFor } from "./helpers";

// The workers are a child process and the machine is shared: generous, never relied upon.
jest.setTimeout(600_000);

const ORDERS = 200;
/** Twice the span of the default retries (5 attempts, 1-8 s apart: ~15 s): long enough to dead-letter every job that ran during it, before this change. */
const OUTAGE_MS = 30_000;

let postgres: OwnedPostgres;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: RunningService | undefined;
let clients: DemoClients;
let redis: Redis;
const prefix = `test-${randomUUID()}`;

/** The workers' exported samples of `metric`, by their labels (`queue="events-orders"`, ...). */
async function samples(metric: string): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${workers?.port}/metrics`).catch((error: unknown) => {
    // A dead workers process explains itself: its exit and last lines.
    throw new Error(
      `workers unreachable (exit ${workers?.child.exitCode ?? workers?.child.signalCode ?? "none yet"}): ${String(error)}\n${workers?.output.slice(-20).join("\n")}`,
    );
  });
  const text = await response.text();
  const found = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${metric}\\{([^}]*)\\} (\\S+)$`, "gm")))
    found.set(match[1] as string, Number(match[2]));
  return found;
}
const queueLabel = (labels: string) => /queue="([^"]+)"/.exec(labels)?.[1];

beforeAll(async () => {
  postgres = await startOwnedPostgres();
  catalog = await startTestSubgraph({
    createPrisma: createCatalogPrisma,
    build: buildCatalogServer,
    database: postgres.database,
  });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) =>
      buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY, 30_000) }),
    database: postgres.database,
  });
  clients = demoClients(createServiceClients(() => postgres.database.url));
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "database-outage-test");
  workers = spawnService(WORKERS, {
    port: await freePort(),
    env: {
      ...process.env,
      DATABASE_URL: postgres.database.url,
      BULLMQ_PREFIX: prefix,
      ...TEST_IDENTITY_ENV,
      // The default retry policy on purpose (EVENTS_ATTEMPTS 5, EVENTS_BACKOFF_MS 1000): the outage outlasts it.
      PAYMENT_FAILURE_RATE: "0",
      PAYMENT_LATENCY_MS: "100",
      LOG_LEVEL: "warn",
    },
  });
  await waitUntilReady(workers, 120_000);
});
afterAll(async () => {
  if (workers) await stopService(workers);
  await orders?.stop();
  await catalog?.stop();
  await Promise.all(
    Object.values(clients ?? {}).map((client: { $disconnect(): Promise<void> }) => client.$disconnect()),
  );
  const keys = await redis?.keys(`${prefix}:*`);
  if (keys?.length) await redis.del(...keys);
  redis?.disconnect();
  await postgres?.destroy();
});

describe("a PostgreSQL outage longer than the retries while sagas run", () => {
  it("pauses the consumers instead of burning attempts: all 200 sagas settle once it is back, none dead-lettered, none applied twice", async () => {
    const product = await clients.catalog.product.update({ where: { sku: "SKU-00001" }, data: { stock: 1_000_000 } });
    const customer = await orders.viewer("customer");
    const ids: string[] = [];
    const place = async () => {
      const res = await orders.request<{ placeOrder: { id: string } }>(
        /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
        { p: product.id },
        await gatewayHeaders(customer, "orders"),
      );
      if (!res.data) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
      ids.push(res.data.placeOrder.id);
    };
    const placeMany = async (count: number) => {
      for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, place));
    };
    const confirmed = () => clients.orders.order.count({ where: { id: { in: ids }, status: "CONFIRMED" } });

    await placeMany(ORDERS / 2);
    const settledBefore = await confirmed();
    await postgres.crash();
    const crashedAt = Date.now();
    expect(settledBefore).toBeLessThan(ORDERS / 2); // the outage hits sagas in flight

    // The consumers that ran a job during the outage paused: they say so in /metrics.
    const paused = await waitFor(
      "a consumer to pause",
      async () => {
        const values = await samples("consumer_paused");
        const queues = [...values].filter(([, value]) => value === 1).map(([labels]) => queueLabel(labels) as string);
        return queues.length > 0 ? queues : undefined;
      },
      OUTAGE_MS,
    );
    expect(paused.every((queue) => CONSUMERS.map(queueOf).includes(queue))).toBe(true);
    // The outage itself, the scenario under test (not a wait for readiness).
    await waitFor("the outage to last its time", async () => Date.now() - crashedAt >= OUTAGE_MS, OUTAGE_MS + 5_000);
    await postgres.start();

    await placeMany(ORDERS / 2);
    await waitFor("every saga to settle", async () => (await confirmed()) === ORDERS, 420_000);

    const { catalog: c, payments, notifications, orders: o } = clients;
    await waitFor(
      "every outbox row to be published",
      async () => (await o.outboxEvent.count({ where: { publishedAt: null } })) === 0,
    );
    await waitFor(
      "every reservation to be committed",
      async () => (await c.stockReservation.count({ where: { orderId: { in: ids }, status: "COMMITTED" } })) === ORDERS,
      60_000,
    );
    expect((await c.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(1_000_000 - ORDERS);
    expect(await payments.payment.count({ where: { orderId: { in: ids }, state: "SUCCEEDED" } })).toBe(ORDERS);
    expect(await payments.paymentAttempt.count({ where: { payment: { orderId: { in: ids } }, succeeded: true } })).toBe(
      ORDERS,
    );
    const confirmations = async () =>
      (
        await notifications.$queryRaw<
          Array<{ total: number; orders: number }>
        >`SELECT count(*)::int AS total, count(DISTINCT payload->>'orderId')::int AS orders FROM "notifications"."notifications" WHERE template = 'order-confirmed' AND payload->>'orderId' = ANY(${ids})`
      )[0];
    await waitFor("every confirmation notification", async () => (await confirmations())?.orders === ORDERS, 60_000);
    expect(await confirmations()).toEqual({ total: ORDERS, orders: ORDERS }); // none sent twice

    const queues = CONSUMERS.map((consumer) => new Queue(queueOf(consumer), { connection: redis, prefix }));
    const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
    try {
      const pending = async () =>
        (await Promise.all(queues.map((queue) => queue.getJobCountByTypes("waiting", "active", "delayed")))).reduce(
          (a, b) => a + b,
          0,
        );
      await waitFor("every consumer queue to drain", async () => (await pending()) === 0, 60_000);
      // Nothing failed for good: no job failed, no dead letter.
      for (const queue of queues) expect([queue.name, await queue.getFailedCount()]).toEqual([queue.name, 0]);
      expect(await deadLetters.getWaitingCount()).toBe(0);
    } finally {
      await Promise.all([...queues, deadLetters].map((queue) => queue.close()));
    }

    // Each paused consumer resumed, and its outage was counted. Not always once: a job that reached
    // the database just before the stop and finishes just after another job found it unreachable
    // ends the first pause (a full-suite run counted 2 for payments); what matters is below.
    const outages = new Map(
      [...(await samples("consumer_outages_total"))].map(([labels, value]) => [queueLabel(labels), value]),
    );
    for (const queue of paused) expect([queue, (outages.get(queue) ?? 0) >= 1]).toEqual([queue, true]);
    expect([...(await samples("consumer_paused")).values()].every((value) => value === 0)).toBe(true);
    // No delivery was dead-lettered, and the outage burnt no attempts: with the pause off, the same
    // run retried hundreds and dead-lettered 85. Up to 5 retries of the ~1,000 deliveries are let
    // through: one loaded full-suite run retried payments' stock.reserved 3 times at the edge of the
    // outage, by an error not yet classified (open; the failure message prints the workers' words).
    const processed = [...(await samples("events_processed_total"))];
    const dead = processed.filter(([labels, value]) => /outcome="dead"/.test(labels) && value > 0);
    const retries = processed
      .filter(([labels]) => /outcome="retry"/.test(labels))
      .reduce((sum, [, value]) => sum + value, 0);
    expect({
      dead,
      retriesAtMost5: retries <= 5,
      retried: retries > 0 ? workers?.output.filter((line) => line.includes("will retry")) : [],
    }).toMatchObject({ dead: [], retriesAtMost5: true });
  });
});
