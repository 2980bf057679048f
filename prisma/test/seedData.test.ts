import { buildSeedData, DEMO_ACCOUNTS } from "../seed/data";

describe("seed data", () => {
  const data = buildSeedData();

  it("has the volume performance work needs", () => {
    expect(data.users.length).toBeGreaterThanOrEqual(50);
    expect(data.products.length).toBeGreaterThanOrEqual(200);
    expect(data.orders.length).toBeGreaterThanOrEqual(1_000);
    expect(data.lines.length).toBeGreaterThan(data.orders.length);
    expect(data.payments).toHaveLength(data.orders.length);
    expect(data.notifications.length).toBeGreaterThan(data.users.length);
  });

  it("is identical on every run", () => {
    expect(buildSeedData()).toEqual(data);
  });

  it("contains the documented demo accounts", () => {
    for (const demo of DEMO_ACCOUNTS) expect(data.users).toContainEqual(expect.objectContaining(demo));
  });

  it("keeps cross-service references consistent", () => {
    const users = new Map(data.users.map((u) => [u.id, u]));
    const products = new Map(data.products.map((p) => [p.id, p]));
    const orders = new Map(data.orders.map((o) => [o.id, o]));
    for (const order of data.orders) expect(users.get(order.customerId)?.role).toBe("CUSTOMER");
    for (const line of data.lines) {
      expect(orders.has(line.orderId)).toBe(true);
      expect(products.get(line.productId)?.priceCents).toBe(line.unitPriceCents);
    }
    for (const order of data.orders) {
      const total = data.lines
        .filter((l) => l.orderId === order.id)
        .reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
      expect(order.totalCents).toBe(total);
    }
    for (const payment of data.payments) {
      expect(payment.amountCents).toBe(orders.get(payment.orderId)?.totalCents);
      expect(payment.customerId).toBe(orders.get(payment.orderId)?.customerId);
    }
    for (const notification of data.notifications) expect(users.has(notification.userId)).toBe(true);
    expect(new Set(data.users.map((u) => u.email)).size).toBe(data.users.length);
    expect(new Set(data.products.map((p) => p.sku)).size).toBe(data.products.length);
  });
});
