import { type ChildProcess, spawn } from "node:child_process";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import {
  createTestDatabase,
  freePort,
  gatewayHeaders,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  type TestDatabase,
  type TestSubgraph,
} from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

// Generous on purpose: everything here (two subgraphs, the relay, every consumer) shares one
// process, which Prisma keeps CPU-bound. Alone the test takes ~50 s (placing ~17 s, recovery
// ~30 s, the same before and after the outbox changes); next to the rest of the suite on two
// cores it took 40 to 243 s and once ran past the former 240 s limit.
jest.setTimeout(600_000);

const ORDERS = 1_000;
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let redis: ChildProcess | undefined;
let port: number;

/** This test's own Redis, so stopping it touches nothing else on the machine. */
async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  await waitFor("redis to accept connections", async () => {
    const { createConnection } = await import("node:net");
    return new Promise<boolean>((resolve) => {
      const socket = createConnection(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
  });
}

async function stopRedis(): Promise<void> {
  const child = redis;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/**
 * The price look-up's deadline: 1,000 mutations in this one process while its workers reconnect
 * to a stopped Redis, next to the rest of the suite, can keep the in-process catalog slower than
 * the 5 s default. This test is about Redis, not catalog latency.
 */
const CATALOG_DEADLINE_MS = 30_000;

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) =>
      buildOrdersServer({
        ...deps,
        catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY, CATALOG_DEADLINE_MS),
      }),
    database,
  });
  workers = await startTestWorkers(database, { concurrency: 8 }, `redis://127.0.0.1:${port}`);
});
afterAll(async () => {
  if (!redis || redis.exitCode !== null) await startRedis().catch(() => undefined); // close() needs Redis to release cleanly
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
  await stopRedis();
});

describe("a Redis outage while mutations commit", () => {
  it("loses no event and applies none twice: 1,000 orders placed with Redis down all complete once it is back", async () => {
    const product = await workers.clients.catalog.product.update({
      where: { sku: "SKU-00001" },
      data: { stock: 1_000_000 },
    });
    const customer = await orders.viewer("customer");
    await stopRedis();

    const ids: string[] = [];
    const place = async () => {
      // Signed per request, as the gateway does: an identity is valid for 60 s only.
      const res = await orders.request<{ placeOrder: { id: string } }>(
        /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
        { p: product.id },
        await gatewayHeaders(customer, "orders"),
      );
      if (!res.data) throw new Error(`mutation failed while Redis was down: ${JSON.stringify(res.errors)}`);
      ids.push(res.data.placeOrder.id);
    };
    for (let i = 0; i < ORDERS; i += 10) await Promise.all(Array.from({ length: 10 }, place));
    const waiting = await workers.clients.orders.outboxEvent.count({
      where: { type: "order.placed", publishedAt: null },
    });
    expect(waiting).toBe(ORDERS); // committed, not published: Redis is down

    await startRedis();
    await waitFor(
      "every order to be confirmed",
      async () =>
        (await workers.clients.orders.order.count({ where: { id: { in: ids }, status: "CONFIRMED" } })) === ORDERS,
      420_000,
    );

    const { catalog: c, payments, notifications, orders: o } = workers.clients;
    await waitFor(
      "every outbox row to be published",
      async () => (await o.outboxEvent.count({ where: { publishedAt: null } })) === 0,
    );
    // Every service settles (consumers run in parallel, so each is awaited on its own).
    await waitFor(
      "every reservation to be committed",
      async () => (await c.stockReservation.count({ where: { orderId: { in: ids }, status: "COMMITTED" } })) === ORDERS,
      60_000,
    );
    expect((await c.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(1_000_000 - ORDERS);
    expect(await payments.payment.count({ where: { orderId: { in: ids }, state: "SUCCEEDED", attempts: 1 } })).toBe(
      ORDERS,
    );
    await waitFor(
      "every confirmation notification",
      async () =>
        (await notifications.notification.count({
          where: {
            template: "order-confirmed",
            userId: customer.id,
            createdAt: { gte: new Date(Date.now() - 600_000) },
          },
        })) >= ORDERS,
      60_000,
    );
    const perOrder = await notifications.$queryRaw<
      Array<{ n: bigint }>
    >`SELECT count(*) AS n FROM "notifications"."notifications" WHERE template = 'order-confirmed' AND payload->>'orderId' = ANY(${ids}) GROUP BY payload->>'orderId' HAVING count(*) > 1`;
    expect(perOrder).toEqual([]); // none applied twice
  });
});
