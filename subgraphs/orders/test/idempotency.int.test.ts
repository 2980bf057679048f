import { randomUUID } from "node:crypto";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { startTestSubgraph, TEST_ORDERS_SERVICE_KEY, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "../src";

jest.setTimeout(60_000);

let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let productIds: [string, string];

beforeAll(async () => {
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database: catalog.database,
  });
  const [a, b] = await catalog.prisma.product.findMany({ take: 2, orderBy: { sku: "asc" } });
  if (!a || !b) throw new Error("seed has no products");
  productIds = [a.id, b.id];
});
afterAll(async () => {
  await orders?.stop();
  await catalog?.stop();
});

const PLACE = /* GraphQL */ `
  mutation Place($input: PlaceOrderInput!) {
    placeOrder(input: $input) { id status totalCents }
  }
`;
const CANCEL = /* GraphQL */ `
  mutation Cancel($id: ID!, $key: String) {
    cancelOrder(id: $id, idempotencyKey: $key) { id status }
  }
`;
type Placed = { placeOrder: { id: string; status: string; totalCents: number } };

/** A customer with no orders yet, so counts of their orders are exact. */
const newCustomer = () => orders.viewer({ id: randomUUID(), role: "CUSTOMER" });
const place = (viewer: TestViewer, idempotencyKey: string | undefined, quantity = 1) =>
  orders.request<Placed>(
    PLACE,
    { input: { lines: [{ productId: productIds[0], quantity }], idempotencyKey } },
    viewer.headers,
  );
const ordersOf = (viewer: TestViewer) => orders.prisma.order.findMany({ where: { customerId: viewer.id } });
const placedEventsOf = (viewer: TestViewer) =>
  orders.prisma.outboxEvent.count({
    where: { type: "order.placed", envelope: { path: ["data", "customerId"], equals: viewer.id } },
  });

describe("placeOrder with an idempotency key", () => {
  it("returns the first order on a retry and writes one order and one order.placed event", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    const first = await place(viewer, key);
    expect(first.errors).toBeUndefined();
    const retry = await place(viewer, key);
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.placeOrder).toEqual(first.data?.placeOrder);
    expect((await ordersOf(viewer)).map((order) => order.id)).toEqual([first.data?.placeOrder.id]);
    expect(await placedEventsOf(viewer)).toBe(1);
  });

  it("replays the first order without asking the catalog again (its prices may have changed)", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    const first = await place(viewer, key, 3);
    await catalog.prisma.product.update({ where: { id: productIds[0] }, data: { priceCents: { increment: 1 } } });
    try {
      const retry = await place(viewer, key, 3);
      expect(retry.data?.placeOrder.totalCents).toBe(first.data?.placeOrder.totalCents);
    } finally {
      await catalog.prisma.product.update({ where: { id: productIds[0] }, data: { priceCents: { decrement: 1 } } });
    }
  });

  it("creates exactly one order when 10 requests with one key race", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => place(viewer, key)));
    expect(results.map((result) => result.errors)).toEqual(Array(10).fill(undefined));
    const created = await ordersOf(viewer);
    expect(created).toHaveLength(1);
    expect(new Set(results.map((result) => result.data?.placeOrder.id))).toEqual(new Set([created[0]?.id]));
    expect(await placedEventsOf(viewer)).toBe(1);
  });

  it("refuses the same key with different lines (BAD_USER_INPUT) and writes nothing", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    await place(viewer, key, 1);
    const other = await place(viewer, key, 2);
    expect(other.errors?.[0]).toMatchObject({
      message: "This idempotency key was already used for a different request; send a new key for a new request",
      extensions: { code: "BAD_USER_INPUT", field: "idempotencyKey" },
    });
    expect(await ordersOf(viewer)).toHaveLength(1);
  });

  it("keeps each caller's keys apart: another customer's same key places their own order", async () => {
    const [ada, bob] = [await newCustomer(), await newCustomer()];
    const key = randomUUID();
    const first = await place(ada, key);
    const second = await place(bob, key);
    expect(second.errors).toBeUndefined();
    expect(second.data?.placeOrder.id).not.toBe(first.data?.placeOrder.id);
    expect(await ordersOf(ada)).toHaveLength(1);
    expect(await ordersOf(bob)).toHaveLength(1);
  });

  it("places a new order for each request without a key (unchanged behaviour)", async () => {
    const viewer = await newCustomer();
    await place(viewer, undefined);
    await place(viewer, undefined);
    expect(await ordersOf(viewer)).toHaveLength(2);
  });

  it("treats a key older than 24 h as new (retention may not have pruned it yet)", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    const first = await place(viewer, key);
    await orders.prisma.idempotencyKey.updateMany({
      where: { customerId: viewer.id, key },
      data: { createdAt: new Date(Date.now() - 25 * 3_600_000) },
    });
    const later = await place(viewer, key, 2);
    expect(later.errors).toBeUndefined();
    expect(later.data?.placeOrder.id).not.toBe(first.data?.placeOrder.id);
    expect(await orders.prisma.idempotencyKey.count({ where: { customerId: viewer.id, key } })).toBe(1);
  });

  it.each([
    ["an empty key", "", "An idempotency key must not be empty"],
    ["a blank key", "   ", "An idempotency key must not be empty"],
    ["a key of 256 characters", "k".repeat(256), "An idempotency key has at most 255 characters"],
    ["a key with a newline", "abc\ndef", "An idempotency key must not contain control characters"],
    ["a key with an escape character", "abc\u001bdef", "An idempotency key must not contain control characters"],
  ])("rejects %s with BAD_USER_INPUT and writes nothing", async (_name, key, message) => {
    const viewer = await newCustomer();
    const res = await place(viewer, key);
    expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT", field: "idempotencyKey" } });
    expect(await ordersOf(viewer)).toHaveLength(0);
  });

  it("rejects a key with a NUL through the server-wide text check (BAD_USER_INPUT) and writes nothing", async () => {
    const viewer = await newCustomer();
    const res = await place(viewer, "abc\u0000def");
    expect(res.errors?.[0]).toMatchObject({
      message: "Text input must not contain NUL characters",
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(await ordersOf(viewer)).toHaveLength(0);
  });

  it("accepts a key of exactly 255 characters", async () => {
    const viewer = await newCustomer();
    const res = await place(viewer, "k".repeat(255));
    expect(res.errors).toBeUndefined();
  });
});

describe("cancelOrder with an idempotency key", () => {
  it("returns the cancelled order on a retry instead of CONFLICT, with one order.cancelled event", async () => {
    const viewer = await newCustomer();
    const id = (await place(viewer, undefined)).data?.placeOrder.id;
    const key = randomUUID();
    const first = await orders.request<{ cancelOrder: { status: string } }>(CANCEL, { id, key }, viewer.headers);
    expect(first.data?.cancelOrder.status).toBe("CANCELLED");
    const retry = await orders.request<{ cancelOrder: { id: string; status: string } }>(
      CANCEL,
      { id, key },
      viewer.headers,
    );
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.cancelOrder).toEqual({ id, status: "CANCELLED" });
    expect(
      await orders.prisma.outboxEvent.count({
        where: { type: "order.cancelled", envelope: { path: ["data", "orderId"], equals: id } },
      }),
    ).toBe(1);
    // Without the key, a second cancel is still refused: it cannot tell a retry from a new request.
    const unkeyed = await orders.request(CANCEL, { id }, viewer.headers);
    expect(unkeyed.errors?.[0]?.extensions?.code).toBe("CONFLICT");
  });

  it("refuses a placeOrder key reused to cancel (a different request)", async () => {
    const viewer = await newCustomer();
    const key = randomUUID();
    const id = (await place(viewer, key)).data?.placeOrder.id;
    const res = await orders.request(CANCEL, { id, key }, viewer.headers);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "idempotencyKey" });
    expect((await orders.prisma.order.findUniqueOrThrow({ where: { id } })).status).toBe("PENDING");
  });

  it("does not reveal another customer's order through a key (NOT_FOUND, key not kept)", async () => {
    const [owner, other] = [await newCustomer(), await newCustomer()];
    const id = (await place(owner, undefined)).data?.placeOrder.id;
    const res = await orders.request(CANCEL, { id, key: "k1" }, other.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await orders.prisma.idempotencyKey.count({ where: { customerId: other.id } })).toBe(0);
  });
});
