import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { startTestSubgraph, TEST_ORDERS_SERVICE_KEY, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { buildOrdersServer, canTransition, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "../src";

let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let customer: TestViewer;
let staff: TestViewer;

beforeAll(async () => {
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database: catalog.database,
  });
  customer = await orders.viewer("customer");
  staff = await orders.viewer("staff");
});
afterAll(async () => {
  await orders?.stop();
  await catalog?.stop();
});

const PLACE = /* GraphQL */ `
  mutation Place($input: PlaceOrderInput!) {
    placeOrder(input: $input) { id status totalCents currency customer { id } lines { quantity unitPriceCents product { id } } }
  }
`;
type Placed = {
  placeOrder: {
    id: string;
    status: string;
    totalCents: number;
    currency: string;
    customer: { id: string };
    lines: Array<{ quantity: number; unitPriceCents: number; product: { id: string } }>;
  };
};

async function twoProducts() {
  return catalog.prisma.product.findMany({ take: 2, orderBy: { sku: "asc" } });
}

describe("placeOrder", () => {
  it("creates a PENDING order for the caller, priced by the catalog", async () => {
    const [a, b] = await twoProducts();
    if (!a || !b) throw new Error("seed has no products");
    const res = await orders.request<Placed>(
      PLACE,
      {
        input: {
          lines: [
            { productId: a.id, quantity: 2 },
            { productId: b.id, quantity: 1 },
          ],
        },
      },
      customer.headers,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.placeOrder).toMatchObject({
      status: "PENDING",
      currency: "USD",
      totalCents: 2 * a.priceCents + b.priceCents,
      customer: { id: customer.id },
      lines: [
        { quantity: 2, unitPriceCents: a.priceCents, product: { id: a.id } },
        { quantity: 1, unitPriceCents: b.priceCents, product: { id: b.id } },
      ],
    });
  });

  it.each([
    ["no lines", () => []],
    ["a zero quantity", (id: string) => [{ productId: id, quantity: 0 }]],
    ["an absurd quantity", (id: string) => [{ productId: id, quantity: 1_000_000 }]],
    [
      "the same product twice",
      (id: string) => [
        { productId: id, quantity: 1 },
        { productId: id, quantity: 2 },
      ],
    ],
    ["a malformed product id", () => [{ productId: "1; DROP TABLE orders", quantity: 1 }]],
    ["an unknown product", () => [{ productId: "00000000-0000-4000-8000-000000000000", quantity: 1 }]],
  ])("rejects %s with BAD_USER_INPUT and writes nothing", async (_name, lines) => {
    const [a] = await twoProducts();
    const before = await orders.prisma.order.count();
    const res = await orders.request(PLACE, { input: { lines: lines(a?.id ?? "") } }, customer.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await orders.prisma.order.count()).toBe(before);
  });

  it("requires a login", async () => {
    const [a] = await twoProducts();
    const res = await orders.request(PLACE, { input: { lines: [{ productId: a?.id, quantity: 1 }] } });
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("fails with SUBGRAPH_UNAVAILABLE naming catalog when prices cannot be read, and writes nothing", async () => {
    const isolated = await startTestSubgraph({
      createPrisma: createOrdersPrisma,
      build: (deps) =>
        buildOrdersServer({
          ...deps,
          catalog: createCatalogClient("http://127.0.0.1:9/graphql", TEST_ORDERS_SERVICE_KEY, 2_000),
        }),
      database: catalog.database,
    });
    try {
      const [a] = await twoProducts();
      const before = await orders.prisma.order.count();
      const res = await isolated.request(
        PLACE,
        { input: { lines: [{ productId: a?.id, quantity: 1 }] } },
        customer.headers,
      );
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" });
      expect(await orders.prisma.order.count()).toBe(before);
    } finally {
      await isolated.stop();
    }
  });
});

describe("cancelOrder", () => {
  const CANCEL = /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { id status } }";

  async function placeOne(viewer: TestViewer): Promise<string> {
    const [a] = await twoProducts();
    const res = await orders.request<Placed>(
      PLACE,
      { input: { lines: [{ productId: a?.id, quantity: 1 }] } },
      viewer.headers,
    );
    return res.data?.placeOrder.id ?? "";
  }

  it("cancels the caller's pending order, and refuses to cancel it twice", async () => {
    const id = await placeOne(customer);
    const first = await orders.request<{ cancelOrder: { status: string } }>(CANCEL, { id }, customer.headers);
    expect(first.data?.cancelOrder.status).toBe("CANCELLED");
    const second = await orders.request(CANCEL, { id }, customer.headers);
    expect(second.errors?.[0]).toMatchObject({
      message: "An order in status CANCELLED cannot be cancelled",
      extensions: { code: "CONFLICT" },
    });
  });

  it("never moves a delivered order backwards", async () => {
    const delivered = await orders.prisma.order.findFirstOrThrow({ where: { status: "DELIVERED" } });
    const res = await orders.request(CANCEL, { id: delivered.id }, staff.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect((await orders.prisma.order.findUniqueOrThrow({ where: { id: delivered.id } })).status).toBe("DELIVERED");
  });

  it("hides other customers' orders (NOT_FOUND) but lets staff cancel them", async () => {
    const id = await placeOne(customer);
    const other = await orders.viewer({ id: "11111111-1111-4111-8111-111111111111", role: "CUSTOMER" });
    const denied = await orders.request(CANCEL, { id }, other.headers);
    expect(denied.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const allowed = await orders.request<{ cancelOrder: { status: string } }>(CANCEL, { id }, staff.headers);
    expect(allowed.data?.cancelOrder.status).toBe("CANCELLED");
  });

  it("lets staff move an order forward, never backwards, and not customers", async () => {
    const id = await placeOne(customer);
    const SET =
      /* GraphQL */ "mutation($id: ID!, $status: OrderStatus!) { setOrderStatus(id: $id, status: $status) { status } }";
    const byCustomer = await orders.request(SET, { id, status: "CONFIRMED" }, customer.headers);
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    for (const status of ["CONFIRMED", "SHIPPED", "DELIVERED"]) {
      const res = await orders.request<{ setOrderStatus: { status: string } }>(SET, { id, status }, staff.headers);
      expect(res.data?.setOrderStatus.status).toBe(status);
    }
    const backwards = await orders.request(SET, { id, status: "PENDING" }, staff.headers);
    expect(backwards.errors?.[0]).toMatchObject({
      message: "An order in status DELIVERED cannot become PENDING",
      extensions: { code: "CONFLICT" },
    });
  });

  it("keeps the status machine one-way", () => {
    expect(canTransition("PENDING", "CONFIRMED")).toBe(true);
    expect(canTransition("CONFIRMED", "PENDING")).toBe(false);
    expect(canTransition("DELIVERED", "CANCELLED")).toBe(false);
    expect(canTransition("CANCELLED", "CONFIRMED")).toBe(false);
  });
});

describe("reading orders", () => {
  type OrderPage = {
    orders: {
      totalCount: number;
      edges: Array<{ node: { id: string; status: string; customer: { id: string }; createdAt: string } }>;
    };
  };
  const ORDERS =
    /* GraphQL */ "query($status: OrderStatus) { orders(first: 100, status: $status) { totalCount edges { node { id status createdAt customer { id } } } } }";

  it("shows a customer only their own orders, newest first", async () => {
    const res = await orders.request<OrderPage>(ORDERS, {}, customer.headers);
    const nodes = res.data?.orders.edges.map((edge) => edge.node) ?? [];
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((node) => node.customer.id === customer.id)).toBe(true);
    const times = nodes.map((node) => Date.parse(node.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  it("shows staff every order and filters by status", async () => {
    const all = await orders.request<OrderPage>(ORDERS, {}, staff.headers);
    expect(all.data?.orders.totalCount).toBeGreaterThanOrEqual(1_000);
    const shipped = await orders.request<OrderPage>(ORDERS, { status: "SHIPPED" }, staff.headers);
    expect(shipped.data?.orders.edges.length).toBeGreaterThan(0);
    expect(shipped.data?.orders.edges.every((edge) => edge.node.status === "SHIPPED")).toBe(true);
  });

  it("reads another customer's order as null", async () => {
    const foreign = await orders.prisma.order.findFirstOrThrow({ where: { customerId: { not: customer.id } } });
    const res = await orders.request<{ order: null }>(
      /* GraphQL */ "query($id: ID!) { order(id: $id) { id } }",
      { id: foreign.id },
      customer.headers,
    );
    expect(res.data?.order).toBeNull();
  });
});

describe("batching", () => {
  const USER_ORDERS = /* GraphQL */ `
    query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders(first: 3) { id createdAt lines { quantity } } } } }
  `;
  type UserOrders = {
    _entities: Array<{
      id: string;
      orders: Array<{ id: string; createdAt: string; lines: Array<{ quantity: number }> }>;
    }>;
  };

  async function customerIds(count: number): Promise<string[]> {
    const rows = await orders.prisma.order.findMany({
      distinct: ["customerId"],
      select: { customerId: true },
      take: count,
      orderBy: { customerId: "asc" },
    });
    return rows.map((row) => row.customerId);
  }

  it("loads User.orders with lines in a fixed number of statements, however many users", async () => {
    const counts: number[] = [];
    for (const size of [3, 40]) {
      const ids = await customerIds(size);
      const before = orders.statements();
      const res = await orders.request<UserOrders>(
        USER_ORDERS,
        { r: ids.map((id) => ({ __typename: "User", id })) },
        staff.headers,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?._entities).toHaveLength(size);
      for (const user of res.data?._entities ?? []) {
        expect(user.orders.length).toBeGreaterThan(0);
        expect(user.orders.length).toBeLessThanOrEqual(3);
        expect(user.orders.every((order) => order.lines.length > 0)).toBe(true);
      }
      counts.push(orders.statements() - before);
    }
    // newest ids per customer (1), those orders (1), their lines (1)
    expect(counts).toEqual([3, 3]);
  });

  it("forbids a customer from reading another user's orders", async () => {
    const [other] = (await customerIds(5)).filter((id) => id !== customer.id);
    const res = await orders.request(USER_ORDERS, { r: [{ __typename: "User", id: other }] }, customer.headers);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
