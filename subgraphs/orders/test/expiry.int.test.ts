import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@fedplat/devkit";
import type { LiveUpdate } from "@fedplat/events";
import { createOrdersPrisma, expirePendingOrders, type OrdersPrisma } from "../src";

let database: TestDatabase;
let prisma: OrdersPrisma;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createOrdersPrisma(database.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const HOUR = 3_600_000;
const orderAged = (status: "PENDING" | "CONFIRMED" | "CANCELLED", ageMs: number, customerId: string) =>
  prisma.order.create({ data: { customerId, status, totalCents: 1_000, createdAt: new Date(Date.now() - ageMs) } });

describe("expirePendingOrders", () => {
  it("cancels only orders PENDING past the deadline, each with its order.cancelled event and live update; a second pass finds none", async () => {
    const customerId = randomUUID();
    // The seed has PENDING orders months old: out of the way first, so this test sees only its own.
    await expirePendingOrders(prisma, { deadlineMs: HOUR });
    const stale = await Promise.all([
      orderAged("PENDING", 2 * HOUR, customerId),
      orderAged("PENDING", 3 * HOUR, customerId),
      orderAged("PENDING", 4 * HOUR, customerId),
    ]);
    const young = await orderAged("PENDING", HOUR / 2, customerId);
    const settled = await Promise.all([
      orderAged("CONFIRMED", 5 * HOUR, customerId),
      orderAged("CANCELLED", 5 * HOUR, customerId),
    ]);
    const published: LiveUpdate[] = [];

    const cancelled = await expirePendingOrders(prisma, {
      deadlineMs: HOUR,
      batchSize: 2,
      live: { publish: async (update) => void published.push(update) },
    });

    expect(cancelled).toEqual(stale.map((order) => order.id).reverse()); // oldest first, over two rounds of 2
    const statuses = await prisma.order.findMany({ where: { customerId }, select: { id: true, status: true } });
    expect(Object.fromEntries(statuses.map((order) => [order.id, order.status]))).toEqual({
      ...Object.fromEntries(stale.map((order) => [order.id, "CANCELLED"])),
      [young.id]: "PENDING",
      [settled[0].id]: "CONFIRMED",
      [settled[1].id]: "CANCELLED",
    });
    const events = await prisma.outboxEvent.findMany({
      where: { type: "order.cancelled", envelope: { path: ["data", "customerId"], equals: customerId } },
    });
    expect(
      events
        .map((event) => event.envelope)
        .sort((a, b) =>
          String((a as { data: { orderId: string } }).data.orderId).localeCompare(
            (b as { data: { orderId: string } }).data.orderId,
          ),
        ),
    ).toEqual(
      stale
        .map((order) => order.id)
        .sort()
        .map((orderId) =>
          expect.objectContaining({
            type: "order.cancelled",
            producer: "orders",
            data: { orderId, customerId, reason: "expired: still pending after 3600 s" },
          }),
        ),
    );
    expect(published).toEqual(cancelled.map((id) => ({ typename: "Order", id, ownerId: customerId })));
    expect(await expirePendingOrders(prisma, { deadlineMs: HOUR })).toEqual([]);
  });
});
