import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  checkEventContracts,
  createEvent,
  deliveredVersion,
  EVENT_REGISTRY,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  type EventData,
  type EventRegistry,
  type EventType,
  parseEnvelope,
  readerProblems,
  readVersion,
  ROUTES,
  routesFor,
} from "../src";

const id = () => randomUUID();

/** One event of each type as its producer writes it (the data the services' code passes to createEvent). */
const PRODUCED: { [T in EventType]: { producer: string; data: EventData<T> } } = {
  "user.registered": { producer: "accounts", data: { userId: id(), email: "new@example.com", name: "New" } },
  "user.registration_attempted": { producer: "accounts", data: { userId: id(), at: new Date().toISOString() } },
  "user.authenticated": { producer: "accounts", data: { userId: id(), at: new Date().toISOString() } },
  "order.placed": {
    producer: "orders",
    data: {
      orderId: id(),
      customerId: id(),
      totalCents: 1500,
      currency: "USD",
      lines: [{ productId: id(), quantity: 3, unitPriceCents: 500 }],
    },
  },
  "stock.reserved": {
    producer: "catalog",
    data: { orderId: id(), customerId: id(), totalCents: 1500, currency: "USD" },
  },
  "stock.rejected": {
    producer: "catalog",
    data: { orderId: id(), customerId: id(), reason: "out of stock", productIds: [id()] },
  },
  "payment.succeeded": {
    producer: "payments",
    data: { orderId: id(), customerId: id(), paymentId: id(), amountCents: 1500, attempts: 2 },
  },
  "payment.failed": {
    producer: "payments",
    data: { orderId: id(), customerId: id(), paymentId: id(), reason: "declined", attempts: 5 },
  },
  "order.confirmed": { producer: "orders", data: { orderId: id(), customerId: id(), totalCents: 1500 } },
  "order.cancelled": { producer: "orders", data: { orderId: id(), customerId: id(), reason: "payment failed" } },
  "notification.sent": {
    producer: "notifications",
    data: { notificationId: id(), userId: id(), template: "welcome", channel: "EMAIL" },
  },
};

const routed = EVENT_TYPES.flatMap((type) => ROUTES[type].map((consumer) => ({ type, consumer })));

describe("the platform's event contracts", () => {
  it("every event type has a versioned schema and an example producer event", () => {
    for (const type of EVENT_TYPES) {
      expect(EVENT_SCHEMAS[type].version).toBeGreaterThanOrEqual(1);
      expect(Object.keys(EVENT_REGISTRY.versions[type] ?? {})).toContain(String(EVENT_SCHEMAS[type].version));
    }
    expect(Object.keys(PRODUCED).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("hold: every routed consumer gets a published version it can read", () => {
    expect(checkEventContracts()).toEqual([]);
  });

  it.each(routed)("$consumer reads what the producer of $type publishes", ({ type, consumer }) => {
    const reads = readVersion(consumer, type);
    const delivered = deliveredVersion(consumer, type);
    expect(delivered).toBeDefined();
    const consumerSchema = EVENT_REGISTRY.versions[type]![reads]!;
    expect(readerProblems(consumerSchema, EVENT_REGISTRY.versions[type]![delivered!]!)).toEqual([]);
    // and a real event, through the envelope, as the relay and the consumer see it
    const { producer, data } = PRODUCED[type];
    const event = parseEnvelope(JSON.parse(JSON.stringify(createEvent(type, data as never, { producer }))));
    expect(routesFor(type, event.version)).toContain(consumer);
    expect(consumerSchema.safeParse(event.data).success).toBe(true);
  });
});

describe("evolving an event: order.placed v1 -> v2", () => {
  const v1 = EVENT_SCHEMAS["order.placed"].data;
  /** Additive: a new field only. */
  const additiveV2 = v1.extend({ placedVia: z.enum(["WEB", "APP"]) });
  /** Breaking: each line's price becomes an object (unitPriceCents is gone). */
  const breakingV2 = v1.extend({
    lines: z
      .array(
        z.object({
          productId: z.uuid(),
          quantity: z.number().int().min(1),
          unitPrice: z.object({ cents: z.number().int().min(0), currency: z.string() }),
        }),
      )
      .min(1),
  });
  const registry = (
    v2: z.ZodType,
    published: number[],
    reads: Record<string, Record<string, number>>,
  ): EventRegistry => ({
    versions: { "order.placed": { 1: v1, 2: v2 } },
    published: { "order.placed": published },
    routes: { "order.placed": ["catalog", "analytics"] },
    reads,
  });
  const v2Event = { ...PRODUCED["order.placed"].data, placedVia: "APP" };

  it("an additive v2 reaches a consumer still on v1, which reads it with its own schema", () => {
    const additive = registry(additiveV2, [2], { catalog: { "order.placed": 1 } });
    expect(checkEventContracts(additive)).toEqual([]);
    expect(deliveredVersion("catalog", "order.placed", additive)).toBe(2);
    expect(routesFor("order.placed", 2, additive)).toEqual(["catalog", "analytics"]);
    expect(v1.parse(v2Event)).toEqual(PRODUCED["order.placed"].data); // the new field is ignored
  });

  it("a breaking v2 published alone fails the check, naming the consumer, the field and the fix", () => {
    const [problem, ...rest] = checkEventContracts(registry(breakingV2, [2], { catalog: { "order.placed": 1 } }));
    expect(rest).toEqual([]);
    expect(problem).toContain("order.placed: catalog reads v1, but producers publish only v2");
    expect(problem).toContain("data.lines[].unitPriceCents the consumer requires it, the producer does not write it");
    expect(problem).toContain("keep publishing v1 until catalog migrates");
  });

  it("while consumers migrate both versions are published and routed, each consumer getting exactly one", () => {
    const migrating = registry(breakingV2, [1, 2], { catalog: { "order.placed": 1 } });
    expect(checkEventContracts(migrating)).toEqual([]);
    expect(routesFor("order.placed", 1, migrating)).toEqual(["catalog"]);
    expect(routesFor("order.placed", 2, migrating)).toEqual(["analytics"]);

    const migrated = registry(breakingV2, [1, 2], {}); // catalog now reads v2: v1 has no reader left and can be retired
    expect(routesFor("order.placed", 1, migrated)).toEqual([]);
    expect(routesFor("order.placed", 2, migrated)).toEqual(["catalog", "analytics"]);
    expect(checkEventContracts(registry(breakingV2, [2], {}))).toEqual([]);
  });
});
