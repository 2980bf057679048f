import { randomUUID } from "node:crypto";
import {
  buildCatalogServer,
  type CatalogPrisma,
  createCatalogEventHandlers,
  createCatalogPrisma,
} from "@fedplat/catalog";
import { createEvent } from "@fedplat/events";
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

jest.setTimeout(60_000);

let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;

beforeAll(async () => {
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database,
  });
  workers = await startTestWorkers(database);
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
});

async function productsWithStock(count: number, minStock = 10) {
  return workers.clients.catalog.product.findMany({
    where: { stock: { gte: minStock } },
    take: count,
    orderBy: { sku: "desc" },
  });
}

async function placeOrder(lines: Array<{ productId: string; quantity: number }>): Promise<string> {
  const res = await orders.request<{ placeOrder: { id: string } }>(
    /* GraphQL */ "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }",
    { i: { lines } },
    await gatewayHeaders(customer, "orders"),
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.placeOrder.id;
}

const finalStatus = (orderId: string) =>
  waitFor(`order ${orderId} to settle`, async () => {
    const order = await workers.clients.orders.order.findUniqueOrThrow({ where: { id: orderId } });
    return order.status === "CONFIRMED" || order.status === "CANCELLED" ? order.status : undefined;
  });

describe("the order saga", () => {
  it("confirms a paid order: stock reserved then committed, payment succeeded, customer notified", async () => {
    const [a, b] = await productsWithStock(2);
    if (!a || !b) throw new Error("no stock");
    const orderId = await placeOrder([
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ]);
    expect(await finalStatus(orderId)).toBe("CONFIRMED");

    const { catalog: c, payments, notifications } = workers.clients;
    expect((await c.product.findUniqueOrThrow({ where: { id: a.id } })).stock).toBe(a.stock - 2);
    expect((await c.product.findUniqueOrThrow({ where: { id: b.id } })).stock).toBe(b.stock - 1);
    expect((await c.stockReservation.findMany({ where: { orderId } })).map((r) => r.status)).toEqual([
      "COMMITTED",
      "COMMITTED",
    ]);
    const payment = await payments.payment.findUniqueOrThrow({ where: { orderId } });
    expect(payment).toMatchObject({ state: "SUCCEEDED", attempts: 1, customerId: customer.id });
    await waitFor("the confirmation notification", () =>
      notifications.notification.findFirst({
        where: { userId: customer.id, template: "order-confirmed", payload: { path: ["orderId"], equals: orderId } },
      }),
    );
  });

  it("compensates when the payment fails after the last retry: stock released, order cancelled, customer notified, job in the dead letters", async () => {
    workers.provider.failureRate = 1;
    try {
      const [a] = await productsWithStock(1);
      if (!a) throw new Error("no stock");
      const orderId = await placeOrder([{ productId: a.id, quantity: 3 }]);
      expect(await finalStatus(orderId)).toBe("CANCELLED");

      const { catalog: c, payments, notifications } = workers.clients;
      await waitFor(
        "stock to be released",
        async () => (await c.product.findUniqueOrThrow({ where: { id: a.id } })).stock === a.stock,
      );
      expect((await c.stockReservation.findMany({ where: { orderId } })).map((r) => r.status)).toEqual(["RELEASED"]);
      const payment = await payments.payment.findUniqueOrThrow({ where: { orderId } });
      expect(payment).toMatchObject({ state: "FAILED", attempts: 3 });
      expect(await payments.paymentAttempt.count({ where: { paymentId: payment.id } })).toBe(3);
      // A timeout may have hidden a charge: the last attempt gave it back, so the provider holds nothing.
      expect((await workers.paymentProvider.accounts([payment.id])).get(payment.id)).toMatchObject({ netCents: 0 });
      await waitFor("the cancellation notification", () =>
        notifications.notification.findFirst({
          where: { template: "order-cancelled", payload: { path: ["orderId"], equals: orderId } },
        }),
      );

      const letter = await waitFor("the dead letter", async () =>
        (await workers.workers.deadLetterOps.list()).find(
          (l) => (l.event as { data: { orderId: string } }).data.orderId === orderId,
        ),
      );
      expect(letter).toMatchObject({ queue: "events-payments", consumer: "payments", attempts: 3 });
      expect((letter.event as { type: string }).type).toBe("stock.reserved");
      expect(letter.errors.length).toBeGreaterThanOrEqual(1);
      expect(letter.errors.join(" ")).toMatch(/card_declined|provider_timeout/);
    } finally {
      workers.provider.failureRate = 0;
    }
  });

  it("cancels an order whose stock cannot be reserved, without charging", async () => {
    const [a] = await productsWithStock(1);
    if (!a) throw new Error("no stock");
    const orderId = await placeOrder([{ productId: a.id, quantity: a.stock + 1 }]);
    expect(await finalStatus(orderId)).toBe("CANCELLED");
    expect((await workers.clients.catalog.product.findUniqueOrThrow({ where: { id: a.id } })).stock).toBe(a.stock);
    // payments hears order.cancelled and records that nothing may be charged for this order
    const payment = await waitFor("payments to record the cancellation", () =>
      workers.clients.payments.payment.findUnique({ where: { orderId } }),
    );
    expect(payment).toMatchObject({
      state: "FAILED",
      amountCents: 0,
      attempts: 0,
      lastError: "order cancelled before payment",
    });
  });

  it("applies a redelivered event once: the second delivery changes nothing", async () => {
    const [a] = await productsWithStock(1);
    if (!a) throw new Error("no stock");
    const orderId = await placeOrder([{ productId: a.id, quantity: 1 }]);
    expect(await finalStatus(orderId)).toBe("CONFIRMED");
    const stockAfter = (await workers.clients.catalog.product.findUniqueOrThrow({ where: { id: a.id } })).stock;
    const outbox = await workers.clients.orders.outboxEvent.findFirstOrThrow({
      where: { type: "order.placed", envelope: { path: ["data", "orderId"], equals: orderId } },
    });
    const queue = workers.workers.queues.catalog!;
    const job = await queue.add("order.placed", outbox.envelope, { jobId: `${outbox.id}.redelivery` });
    // The state first, then the job: a job read before its completion has no return value yet.
    await waitFor("the redelivery to finish", async () =>
      (await queue.getJobState(String(job.id))) === "completed" ? true : undefined,
    );
    expect((await queue.getJob(String(job.id)))?.returnvalue).toBe("duplicate");
    expect((await workers.clients.catalog.product.findUniqueOrThrow({ where: { id: a.id } })).stock).toBe(stockAfter);
  });

  describe("a cancellation racing the reservation (catalog)", () => {
    const context = { attempt: 1, isLastAttempt: false };
    const eventsFor = (productId: string) => {
      const orderId = randomUUID();
      const data = { orderId, customerId: customer.id };
      return {
        orderId,
        placed: createEvent(
          "order.placed",
          { ...data, totalCents: 200, currency: "USD", lines: [{ productId, quantity: 2, unitPriceCents: 100 }] },
          { producer: "orders" },
        ),
        cancelled: createEvent(
          "order.cancelled",
          { ...data, reason: "cancelled by the customer" },
          { producer: "orders" },
        ),
      };
    };
    const held = (orderId: string) =>
      workers.clients.catalog.stockReservation.count({ where: { orderId, status: { in: ["RESERVED", "COMMITTED"] } } });
    const stockOf = async (productId: string) =>
      (await workers.clients.catalog.product.findUniqueOrThrow({ where: { id: productId } })).stock;

    it("reserves nothing when order.cancelled is applied before order.placed", async () => {
      const handlers = createCatalogEventHandlers(workers.clients.catalog);
      const [product] = await productsWithStock(1);
      if (!product) throw new Error("no product with stock");
      const before = await stockOf(product.id);
      const { orderId, placed, cancelled } = eventsFor(product.id);

      await handlers["order.cancelled"]?.(cancelled, context);
      await handlers["order.placed"]?.(placed, context);

      expect(await held(orderId)).toBe(0);
      expect(await stockOf(product.id)).toBe(before);
      expect(
        await workers.clients.catalog.outboxEvent.count({
          where: { type: "stock.reserved", envelope: { path: ["data", "orderId"], equals: orderId } },
        }),
      ).toBe(0);
    });

    it("holds no stock whichever of the two is applied first when they run at once", async () => {
      const handlers = createCatalogEventHandlers(workers.clients.catalog);
      const [product] = await productsWithStock(1, 40);
      if (!product) throw new Error("no product with stock");
      const before = await stockOf(product.id);
      const races = Array.from({ length: 10 }, () => eventsFor(product.id));

      await Promise.all(
        races.flatMap(({ placed, cancelled }) => [
          handlers["order.placed"]?.(placed, context),
          handlers["order.cancelled"]?.(cancelled, context),
        ]),
      );

      for (const { orderId } of races) expect(await held(orderId)).toBe(0);
      expect(await stockOf(product.id)).toBe(before);
    });
  });
});
