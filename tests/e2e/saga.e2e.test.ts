import { buildSeedData } from "@fedplat/prisma/seed/data";
import { waitFor } from "@fedplat/devkit";
import { type Platform, startPlatform } from "../fixtures";

jest.setTimeout(180_000);

let platform: Platform;
let customer: Record<string, string>;

beforeAll(async () => {
  platform = await startPlatform();
  customer = await platform.login("customer@example.com");
});
afterAll(() => platform?.stop());

type OrderView = {
  order: {
    status: string;
    totalCents: number;
    customer: { email: string };
    lines: Array<{ quantity: number; product: { name: string; stock: number } }>;
    payment: { state: string; attempts: number } | null;
  } | null;
  me: { notifications: Array<{ template: string }> };
};
const ORDER = /* GraphQL */ `
  query($id: ID!) {
    order(id: $id) { status totalCents customer { email } lines { quantity product { name stock } } payment { state attempts } }
    me { notifications(first: 10) { template } }
  }
`;

/** The order's view once `done` holds for it (polled through the gateway as the customer). */
async function until(id: string, done: (view: OrderView) => boolean): Promise<OrderView> {
  return waitFor(
    `order ${id} to settle`,
    async () => {
      const res = await platform.query<OrderView>(ORDER, { id }, customer);
      return res.data && done(res.data) ? res.data : undefined;
    },
    60_000,
    100,
  );
}

describe("the order flow through the gateway, with real workers", () => {
  it("places an order that ends CONFIRMED, paid, with stock taken and the customer notified; a cancellation then refunds and restocks", async () => {
    const product = buildSeedData().products.find((p) => p.stock >= 5);
    if (!product) throw new Error("no product in stock");
    const before = await platform.query<{ product: { stock: number } }>(
      /* GraphQL */ "query($id: ID!) { product(id: $id) { stock } }",
      { id: product.id },
    );
    const stock = before.data?.product.stock ?? 0;

    const placed = await platform.query<{ placeOrder: { id: string; status: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 2 }] }) { id status } }",
      { p: product.id },
      customer,
    );
    expect(placed.data?.placeOrder.status).toBe("PENDING");
    const id = placed.data?.placeOrder.id ?? "";

    const confirmed = await until(
      id,
      (view) =>
        view.order?.status === "CONFIRMED" &&
        view.me.notifications.some((n) => n.template === "order-confirmed") &&
        view.order.payment?.state === "SUCCEEDED",
    );
    expect(confirmed.order).toMatchObject({
      status: "CONFIRMED",
      totalCents: 2 * product.priceCents,
      customer: { email: "customer@example.com" },
      lines: [{ quantity: 2, product: { name: product.name, stock: stock - 2 } }],
      payment: { state: "SUCCEEDED", attempts: 1 },
    });

    const cancelled = await platform.query<{ cancelOrder: { status: string } }>(
      /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
      { id },
      customer,
    );
    expect(cancelled.data?.cancelOrder.status).toBe("CANCELLED");
    const settled = await until(
      id,
      (view) => view.order?.payment?.state === "REFUNDED" && view.order.lines[0]?.product.stock === stock,
    );
    expect(settled.order?.status).toBe("CANCELLED");
    expect(settled.me.notifications.map((n) => n.template)).toContain("order-cancelled");
  });
});
