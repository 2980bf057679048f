import { randomUUID } from "node:crypto";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createRedis, type Redis } from "@fedplat/runtime";
import {
  createTestDatabase,
  gatewayHeaders,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  type TestDatabase,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { createLiveUpdatePublisher, type LiveUpdate, parseLiveUpdate } from "@fedplat/events";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

jest.setTimeout(60_000);

const channel = `test-live-${randomUUID()}`;
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;
let publisher: Redis;
let listener: Redis;
/** Each update as received, with the order's status read from the database at that moment. */
const received: Array<LiveUpdate & { statusWhenReceived?: string }> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  publisher = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "live-updates-test");
  listener = publisher.duplicate();
  await listener.subscribe(channel);
  const live = createLiveUpdatePublisher(publisher, channel, (error) => {
    throw error;
  });
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) =>
      buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY), live }),
    database,
  });
  workers = await startTestWorkers(database, { live });
  customer = await orders.viewer("customer");
  listener.on("message", (_channel: string, message: string) => {
    const update = parseLiveUpdate(message);
    if (!update) return;
    // Read right away: a subscriber must find the change committed when the update arrives.
    const entry: (typeof received)[number] = { ...update };
    received.push(entry);
    if (update.typename === "Order")
      void orders.prisma.order
        .findUnique({ where: { id: update.id } })
        .then((order) => (entry.statusWhenReceived = order?.status));
    if (update.typename === "Payment")
      void workers.clients.payments.payment
        .findUnique({ where: { id: update.id } })
        .then((payment) => (entry.statusWhenReceived = payment?.state));
  });
});
afterAll(async () => {
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  listener?.disconnect();
  publisher?.disconnect();
  await database?.drop();
});

describe("live updates for subscriptions", () => {
  it("announces an order when placed, when the saga confirms it, and the notification, each after its commit", async () => {
    const product = await workers.clients.catalog.product.findFirstOrThrow({ where: { stock: { gte: 5 } } });
    const placed = await orders.request<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }",
      { i: { lines: [{ productId: product.id, quantity: 1 }] } },
      await gatewayHeaders(customer, "orders"),
    );
    const orderId = placed.data?.placeOrder.id ?? "";

    await waitFor(
      "the confirmation and its notification",
      async () =>
        received.some((u) => u.typename === "Order" && u.id === orderId && u.statusWhenReceived === "CONFIRMED") &&
        received.some((u) => u.typename === "Notification" && u.ownerId === customer.id),
    );
    const forOrder = received.filter((u) => u.typename === "Order" && u.id === orderId);
    expect(forOrder.map(({ typename, id, ownerId }) => ({ typename, id, ownerId }))).toEqual([
      { typename: "Order", id: orderId, ownerId: customer.id },
      { typename: "Order", id: orderId, ownerId: customer.id },
    ]);
    expect(forOrder.map((u) => u.statusWhenReceived)).toEqual(["PENDING", "CONFIRMED"]);
    const notification = received.find((u) => u.typename === "Notification");
    const stored = await workers.clients.notifications.notification.findUniqueOrThrow({
      where: { id: notification?.id ?? "" },
    });
    expect(stored).toMatchObject({ userId: customer.id, template: "order-confirmed" });

    // Its payment too (the gateway's response cache renews on these): once created, once charged.
    const payment = await workers.clients.payments.payment.findUniqueOrThrow({ where: { orderId } });
    await waitFor(
      "the payment's announcements",
      async () =>
        received.filter((u) => u.typename === "Payment" && u.id === payment.id && u.statusWhenReceived !== undefined)
          .length >= 2,
    );
    const forPayment = received.filter((u) => u.typename === "Payment" && u.id === payment.id);
    expect(forPayment.map(({ typename, ownerId }) => ({ typename, ownerId }))).toEqual([
      { typename: "Payment", ownerId: customer.id },
      { typename: "Payment", ownerId: customer.id },
    ]);
    expect(forPayment.at(-1)?.statusWhenReceived).toBe("SUCCEEDED");
  });

  it("announces nothing for a transition the status machine refuses", async () => {
    const staff = await orders.viewer("staff");
    const setStatus = async (id: string, status: string) =>
      orders.request<{ setOrderStatus: { status: string } }>(
        /* GraphQL */ "mutation($id: ID!, $s: OrderStatus!) { setOrderStatus(id: $id, status: $s) { status } }",
        { id, s: status },
        await gatewayHeaders(staff, "orders"),
      );
    const delivered = await workers.clients.orders.order.findFirstOrThrow({ where: { status: "DELIVERED" } });
    const confirmed = await workers.clients.orders.order.findFirstOrThrow({ where: { status: "CONFIRMED" } });
    const before = received.length;
    expect((await setStatus(delivered.id, "SHIPPED")).errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect((await setStatus(confirmed.id, "SHIPPED")).data?.setOrderStatus.status).toBe("SHIPPED");
    // One publisher connection keeps order: had the refused one been announced, it would come first.
    await waitFor("the SHIPPED update", async () => received.length > before);
    expect(received.slice(before).map(({ typename, id }) => ({ typename, id }))).toEqual([
      { typename: "Order", id: confirmed.id },
    ]);
  });
});
