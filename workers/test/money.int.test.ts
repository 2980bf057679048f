import { randomUUID } from "node:crypto";
import {
  buildCatalogServer,
  type CatalogPrisma,
  createCatalogEventHandlers,
  createCatalogPrisma,
} from "@fedplat/catalog";
import {
  gatewayHeaders,
  type OwnedPostgres,
  startOwnedPostgres,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  type TestDatabase,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { createEvent } from "@fedplat/events";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { type PaymentProvider, reconcilePayments } from "@fedplat/payments";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

/**
 * Money is conserved: whatever a cancellation races (the reservation, the charge, the
 * confirmation), once an order settles the provider holds its total if it is CONFIRMED and
 * nothing if it is CANCELLED, and its stock is held only while it is CONFIRMED.
 */
jest.setTimeout(180_000);
// Seven pools (five services in the workers, two subgraphs) of 10 connections each would take
// ~75 of the shared PostgreSQL's 100 under the burst below; "too many clients" then fails a
// catalog query now and then (probably what failed one run with SUBGRAPH_UNAVAILABLE from
// placeOrder; not seen again with 4, which is plenty).
process.env.DB_POOL_MAX = "4";

let postgres: OwnedPostgres;
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;

beforeAll(async () => {
  // A PostgreSQL of its own: next to the rest of the suite the shared server ran out of
  // connections, and the first saga's cancellation then never reached payments (see the note in
  // bench/results/chaos.md on handlers that do not settle after connection failures).
  postgres = await startOwnedPostgres();
  database = postgres.database;
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    // 300 interleavings while .ci/run runs every suite at once: orders waits for catalog's prices as
    // long as redisLoss.int.test.ts lets it (the production default is 5 s), so a starved CPU is not an outage.
    build: (deps) =>
      buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY, 30_000) }),
    database,
  });
  workers = await startTestWorkers(database, {
    policy: { attempts: 3, backoffMs: 10 },
    concurrency: 16,
    dependencies: { payments: answersHeldWhileGated },
  });
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await postgres?.destroy();
});

/**
 * The test workers' own simulated provider, whose answers to charges can be held back (a slow
 * network on the way back): the money has moved at the provider, the worker does not know yet.
 */
let answerGate: Promise<void> | undefined;
const answersHeldWhileGated: PaymentProvider = {
  name: "simulated",
  charge: async (request) => {
    const answer = await workers.paymentProvider.charge(request);
    await answerGate;
    return answer;
  },
  refund: (request) => workers.paymentProvider.refund(request),
};

type Line = { productId: string; quantity: number };

/** Signed per request, as the gateway does: a signed identity lives 60 s, and this test may run longer. */
const asCustomer = () => gatewayHeaders(customer, "orders");

async function placeOrder(lines: Line[]): Promise<string> {
  const res = await orders.request<{ placeOrder: { id: string } }>(
    /* GraphQL */ "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }",
    { i: { lines } },
    await asCustomer(),
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.placeOrder.id;
}

/** The customer cancels: true when the order moved to CANCELLED, false when it was cancelled already (CONFLICT). */
async function cancelOrder(id: string): Promise<boolean> {
  const res = await orders.request<{ cancelOrder: { status: string } }>(
    /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
    { id },
    await asCustomer(),
  );
  if (res.data?.cancelOrder.status === "CANCELLED") return true;
  if (res.errors?.[0]?.extensions?.code === "CONFLICT" && /status CANCELLED cannot/.test(res.errors[0].message))
    return false;
  throw new Error(JSON.stringify(res.errors));
}

async function productsWithStock(count: number, minStock: number) {
  const products = await workers.clients.catalog.product.findMany({
    where: { stock: { gte: minStock } },
    take: count,
    orderBy: { sku: "asc" },
  });
  if (products.length < count) throw new Error(`fewer than ${count} products with ${minStock} in stock`);
  return products;
}
const stockOf = async (ids: string[]) =>
  new Map((await workers.clients.catalog.product.findMany({ where: { id: { in: ids } } })).map((p) => [p.id, p.stock]));

/** Nothing left to do anywhere: every outbox published and every consumer queue empty, twice in a row. */
async function quiescent(): Promise<void> {
  const idle = async () => {
    for (const client of Object.values(workers.clients))
      if ((await client.outboxEvent.count({ where: { publishedAt: null } })) > 0) return false;
    for (const queue of Object.values(workers.workers.queues)) {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  };
  await waitFor("every event to be handled", async () => (await idle()) && (await idle()), 150_000);
}

/** One settled order: its status, payment, net money at the provider and the stock it still holds. */
async function settlement(orderId: string) {
  const order = await workers.clients.orders.order.findUniqueOrThrow({ where: { id: orderId } });
  const payment = await workers.clients.payments.payment.findUnique({ where: { orderId } });
  const account = payment ? (await workers.paymentProvider.accounts([payment.id])).get(payment.id) : undefined;
  const held = await workers.clients.catalog.stockReservation.count({
    where: { orderId, status: { in: ["RESERVED", "COMMITTED"] } },
  });
  return {
    status: order.status,
    totalCents: order.totalCents,
    payment: payment?.state,
    netCents: account?.netCents ?? 0,
    held,
  };
}

/** The invariant: CONFIRMED holds its total and its stock; CANCELLED holds no money and no stock. */
function expectConserved(s: Awaited<ReturnType<typeof settlement>>): void {
  if (s.status === "CONFIRMED") expect(s).toMatchObject({ payment: "SUCCEEDED", netCents: s.totalCents });
  else expect(s).toMatchObject({ status: "CANCELLED", netCents: 0, held: 0 });
  if (s.status === "CANCELLED") expect(["FAILED", "REFUNDED"]).toContain(s.payment);
}

describe("a cancellation racing the saga, with a slow provider (325-975 ms a call)", () => {
  beforeEach(() => {
    workers.provider.latencyMs = 650;
    workers.provider.failureRate = 0;
  });

  it("before the reservation: nothing is charged, the key is void, no stock is held", async () => {
    const [product] = await productsWithStock(1, 5);
    if (!product) throw new Error("no product");
    // order.placed waits until the cancellation is through payments. The queue is paused, not the
    // worker: a worker paused while it blocks for the next job still takes the one that wakes it
    // (BullMQ's Worker._getNextJob does not recheck `paused`), which charged this order in one CI run.
    const catalogQueue = workers.workers.queues.catalog!;
    await catalogQueue.pause();
    let orderId: string;
    try {
      orderId = await placeOrder([{ productId: product.id, quantity: 2 }]);
      expect(await cancelOrder(orderId)).toBe(true);
      // A wait, not a bound: in the full suite on two cores the first saga of the file has taken over 30 s.
      await waitFor(
        "payments to void the order's payment",
        () => workers.clients.payments.payment.findFirst({ where: { orderId, state: "FAILED" } }),
        120_000,
      );
    } finally {
      await catalogQueue.resume();
    }
    await quiescent();
    const s = await settlement(orderId);
    expectConserved(s);
    const payment = await workers.clients.payments.payment.findUniqueOrThrow({ where: { orderId } });
    expect(payment).toMatchObject({ state: "FAILED", amountCents: 0, lastError: "order cancelled before payment" });
    expect((await workers.paymentProvider.accounts([payment.id])).get(payment.id)).toMatchObject({
      status: "voided",
      netCents: 0,
    });
    expect((await stockOf([product.id])).get(product.id)).toBe(product.stock);
  });

  it("during the charge: the charge is refunded or refused, never kept (the charge no longer overwrites the cancellation)", async () => {
    const [product] = await productsWithStock(1, 5);
    if (!product) throw new Error("no product");
    const orderId = await placeOrder([{ productId: product.id, quantity: 1 }]);
    // The payment exists and its charge is at the provider (a call takes 325-975 ms).
    await waitFor("the charge to start", () =>
      workers.clients.payments.payment.findFirst({ where: { orderId, state: "PENDING" } }),
    );
    expect(await cancelOrder(orderId)).toBe(true);
    await quiescent();
    const s = await settlement(orderId);
    expectConserved(s);
    const payment = await workers.clients.payments.payment.findUniqueOrThrow({ where: { orderId } });
    const entries = (await workers.paymentProvider.entries(payment.id)).map((entry) => entry.amountCents);
    // Either the charge went first and was refunded, or the void went first and the charge was refused.
    if (payment.state === "REFUNDED") expect(entries).toEqual([s.totalCents, -s.totalCents]);
    else
      expect({ state: payment.state, entries, lastError: payment.lastError }).toEqual({
        state: "FAILED",
        entries: [],
        lastError: "order cancelled",
      });
    expect((await stockOf([product.id])).get(product.id)).toBe(product.stock);
  });

  it("after the charge, before its answer: the late answer changes nothing (no SUCCEEDED over REFUNDED, no confirmation)", async () => {
    workers.provider.latencyMs = 20;
    const [product] = await productsWithStock(1, 5);
    if (!product) throw new Error("no product");
    let release: () => void = () => undefined;
    answerGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let orderId: string;
    try {
      orderId = await placeOrder([{ productId: product.id, quantity: 2 }]);
      const payment = await waitFor("the payment", () =>
        workers.clients.payments.payment.findUnique({ where: { orderId } }),
      );
      await waitFor("the money to move", async () => (await workers.paymentProvider.entries(payment.id)).length > 0);
      expect(await cancelOrder(orderId)).toBe(true);
      await waitFor("the cancellation to refund it", () =>
        workers.clients.payments.payment.findFirst({ where: { orderId, state: "REFUNDED" } }),
      );
    } finally {
      answerGate = undefined;
      release();
    }
    await quiescent();
    expect(await settlement(orderId)).toMatchObject({ status: "CANCELLED", payment: "REFUNDED", netCents: 0, held: 0 });
    expect(
      await workers.clients.payments.outboxEvent.count({
        where: { type: "payment.succeeded", envelope: { path: ["data", "orderId"], equals: orderId } },
      }),
    ).toBe(0);
    expect((await stockOf([product.id])).get(product.id)).toBe(product.stock);
  });

  it("after confirmation: the charge is refunded at the provider and the committed stock comes back", async () => {
    const [product] = await productsWithStock(1, 5);
    if (!product) throw new Error("no product");
    const orderId = await placeOrder([{ productId: product.id, quantity: 3 }]);
    await waitFor(
      "the order to be confirmed",
      async () =>
        (await workers.clients.orders.order.findUniqueOrThrow({ where: { id: orderId } })).status === "CONFIRMED",
    );
    await quiescent();
    expect((await stockOf([product.id])).get(product.id)).toBe(product.stock - 3);
    expect(await cancelOrder(orderId)).toBe(true);
    await quiescent();
    const s = await settlement(orderId);
    expect(s).toMatchObject({ status: "CANCELLED", payment: "REFUNDED", netCents: 0, held: 0 });
    const payment = await workers.clients.payments.payment.findUniqueOrThrow({ where: { orderId } });
    expect((await workers.paymentProvider.entries(payment.id)).map((entry) => entry.kind)).toEqual([
      "charge",
      "refund",
    ]);
    expect((await stockOf([product.id])).get(product.id)).toBe(product.stock);
  });
});

describe("catalog: a late payment.succeeded racing order.cancelled", () => {
  it("never commits a reservation the cancellation releases: every order's stock comes back", async () => {
    const handlers = createCatalogEventHandlers(workers.clients.catalog);
    const context = { attempt: 1, isLastAttempt: false };
    const [product] = await productsWithStock(1, 40);
    if (!product) throw new Error("no product");
    const before = (await stockOf([product.id])).get(product.id);
    const orderIds: string[] = [];
    // Rounds of 15 reserved orders, each paid and cancelled at the same moment. The window is a
    // few ms wide: against catalog without the order lock in payment.succeeded, this test failed
    // 2 runs of 5 (a reservation COMMITTED after the cancellation read it, its stock never back).
    for (let round = 0; round < 4; round++) {
      const races = Array.from({ length: 15 }, () => {
        const data = { orderId: randomUUID(), customerId: customer.id };
        orderIds.push(data.orderId);
        return {
          placed: createEvent(
            "order.placed",
            {
              ...data,
              totalCents: 200,
              currency: "USD",
              lines: [{ productId: product.id, quantity: 2, unitPriceCents: 100 }],
            },
            { producer: "orders" },
          ),
          paid: createEvent(
            "payment.succeeded",
            { ...data, paymentId: randomUUID(), amountCents: 200, attempts: 1 },
            { producer: "payments" },
          ),
          cancelled: createEvent(
            "order.cancelled",
            { ...data, reason: "cancelled by the customer" },
            { producer: "orders" },
          ),
        };
      });
      for (const race of races) await handlers["order.placed"]?.(race.placed, context);
      expect((await stockOf([product.id])).get(product.id)).toBe((before ?? 0) - 30);
      await Promise.all(
        races.flatMap(({ paid, cancelled }) => [
          handlers["payment.succeeded"]?.(paid, context),
          handlers["order.cancelled"]?.(cancelled, context),
        ]),
      );
      expect((await stockOf([product.id])).get(product.id)).toBe(before);
    }
    expect(
      await workers.clients.catalog.stockReservation.count({
        where: { orderId: { in: orderIds }, status: { not: "RELEASED" } },
      }),
    ).toBe(0);
  });
});

describe("300 random place/cancel interleavings, failure rate 0.3", () => {
  it("settles every order with its money and stock conserved, and reconciliation finds nothing", async () => {
    workers.provider.latencyMs = 15;
    workers.provider.failureRate = 0.3;
    const products = await productsWithStock(6, 200);
    const ids = products.map((p) => p.id);
    const before = await stockOf(ids);
    const random = (n: number) => Math.floor(Math.random() * n);
    const placed: Array<{ orderId: string; lines: Line[] }> = [];

    // Waves of 1-30 orders at once; about half are cancelled, after 0-400 ms (any step of the saga).
    let remaining = 300;
    while (remaining > 0) {
      const wave = Math.min(remaining, 1 + random(30));
      remaining -= wave;
      await Promise.all(
        Array.from({ length: wave }, async () => {
          const first = random(ids.length);
          const lines = [{ productId: ids[first] as string, quantity: 1 + random(3) }];
          if (Math.random() < 0.4)
            lines.push({ productId: ids[(first + 1 + random(ids.length - 1)) % ids.length] as string, quantity: 1 });
          const orderId = await placeOrder(lines);
          placed.push({ orderId, lines });
          if (Math.random() < 0.5) {
            const delay = random(400);
            if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
            await cancelOrder(orderId);
          }
        }),
      );
    }
    await quiescent();
    workers.provider.failureRate = 0;

    const settlements = await Promise.all(placed.map(({ orderId }) => settlement(orderId)));
    for (const s of settlements) expectConserved(s);
    const confirmed = settlements.filter((s) => s.status === "CONFIRMED").length;
    // Both outcomes occurred (a run where everything was cancelled would prove little).
    expect(confirmed).toBeGreaterThan(10);
    expect(settlements.length - confirmed).toBeGreaterThan(10);

    // Stock conserved: each product lost exactly what the CONFIRMED orders bought.
    const after = await stockOf(ids);
    const bought = new Map(ids.map((id) => [id, 0]));
    placed.forEach(({ lines }, i) => {
      if (settlements[i]?.status === "CONFIRMED")
        for (const line of lines) bought.set(line.productId, (bought.get(line.productId) ?? 0) + line.quantity);
    });
    expect(ids.map((id) => after.get(id))).toEqual(ids.map((id) => (before.get(id) ?? 0) - (bought.get(id) ?? 0)));

    const reconciliation = await reconcilePayments(workers.clients.payments, workers.paymentProvider, { graceMs: 0 });
    expect(reconciliation.mismatches).toEqual([]);
    expect(reconciliation.checkedPayments).toBeGreaterThanOrEqual(placed.length);
  });
});
