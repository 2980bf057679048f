import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import {
  createTestDatabase,
  gatewayHeaders,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  type TestDatabase,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(120_000);

const DEADLINE_MS = 4_000;
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;
let seededPending: number;
let expired = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database,
  });
  seededPending = await orders.prisma.order.count({ where: { status: "PENDING" } });
  workers = await startTestWorkers(database, {
    orderExpiry: { deadlineMs: DEADLINE_MS, intervalMs: 250 },
    onOrdersExpired: (count) => (expired += count),
    concurrency: 1,
  });
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
});

describe("the pending-order watchdog", () => {
  it("cancels an order whose saga stalled once it is pending past the deadline, through the normal compensation", async () => {
    // The seed's PENDING orders are months old: the first passes cancel them all.
    await waitFor(
      "the seed's pending orders to expire",
      async () =>
        expired === seededPending && (await orders.prisma.order.count({ where: { status: "PENDING" } })) === 0,
    );

    // The saga stalls: payments takes no job (its queue paused, as if its consumer were down), so stock.reserved waits unanswered.
    const payments = workers.workers.queues.payments!;
    await payments.pause();
    const { catalog: c, orders: o, payments: p, notifications: n } = workers.clients;
    const product = await c.product.findFirstOrThrow({ where: { stock: { gte: 10 } }, orderBy: { sku: "asc" } });
    const res = await orders.request<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 3 }] }) { id } }",
      { p: product.id },
      await gatewayHeaders(customer, "orders"),
    );
    const orderId = res.data?.placeOrder.id;
    if (!orderId) throw new Error(JSON.stringify(res.errors));
    await waitFor("the stock to be reserved", () =>
      c.stockReservation.findFirst({ where: { orderId, status: "RESERVED" } }),
    );

    const cancelled = await waitFor(
      "the watchdog to cancel the order",
      async () => {
        const order = await o.order.findUniqueOrThrow({ where: { id: orderId } });
        return order.status === "CANCELLED" ? order : undefined;
      },
      60_000,
    );
    expect(cancelled.updatedAt.getTime() - cancelled.createdAt.getTime()).toBeGreaterThanOrEqual(DEADLINE_MS); // not before its deadline
    const event = await o.outboxEvent.findFirstOrThrow({
      where: { type: "order.cancelled", envelope: { path: ["data", "orderId"], equals: orderId } },
    });
    expect(event.envelope).toMatchObject({
      data: { orderId, customerId: customer.id, reason: "expired: still pending after 4 s" },
    });
    expect(expired).toBe(seededPending + 1);

    // Catalog releases the stock at once; payments, once it is back, charges (stock.reserved is first
    // in its queue) and then refunds. One job at a time here makes that order certain: with both in
    // flight at once the void may go first, and the payment ends FAILED with nothing charged
    // (conserved too, see money.int.test.ts, but not the REFUNDED this test asserts).
    await waitFor(
      "the stock to be released",
      async () => (await c.product.findUniqueOrThrow({ where: { id: product.id } })).stock === product.stock,
    );
    expect((await c.stockReservation.findMany({ where: { orderId } })).map((r) => r.status)).toEqual(["RELEASED"]);
    await payments.resume();
    await waitFor(
      "the payment to be refunded",
      async () => (await p.payment.findUnique({ where: { orderId } }))?.state === "REFUNDED",
    );
    await waitFor("the cancellation notification", () =>
      n.notification.findFirst({
        where: { template: "order-cancelled", payload: { path: ["orderId"], equals: orderId } },
      }),
    );
    // A late payment.succeeded cannot bring it back: status never goes backwards.
    await waitFor(
      "the payments queue to drain",
      async () => (await payments.getJobCountByTypes("waiting", "active", "delayed")) === 0,
    );
    expect((await o.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe("CANCELLED");
  });
});
