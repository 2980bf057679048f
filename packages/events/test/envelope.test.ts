import { createEvent, EVENT_TYPES, followUp, InvalidEventError, parseEnvelope, ROUTES } from "../src";

const orderId = "0b9d7c2e-6a55-4d1e-9a53-2c5f1f6c1a01";
const customerId = "4c1f9a8e-1c3b-4c8e-8f2a-9b7d6e5c4b3a";
const productId = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";

describe("event envelopes", () => {
  it("creates validated events, starting a correlation, and follow-ups that keep it", () => {
    const placed = createEvent(
      "order.placed",
      {
        orderId,
        customerId,
        totalCents: 500,
        currency: "USD",
        lines: [{ productId, quantity: 1, unitPriceCents: 500 }],
      },
      { producer: "orders" },
    );
    expect(placed).toMatchObject({
      type: "order.placed",
      version: 1,
      producer: "orders",
      correlationId: placed.eventId,
    });
    const reserved = followUp(placed, "catalog", "stock.reserved", {
      orderId,
      customerId,
      totalCents: 500,
      currency: "USD",
    });
    expect(reserved).toMatchObject({ correlationId: placed.eventId, causationId: placed.eventId, producer: "catalog" });
    expect(parseEnvelope(JSON.parse(JSON.stringify(reserved)))).toEqual(reserved);
  });

  it("gives events time-ordered ids (UUID version 7), so the tables keyed by them grow at one end", async () => {
    const make = () => createEvent("order.cancelled", { orderId, customerId, reason: "x" }, { producer: "orders" });
    const first = make();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = Array.from({ length: 50 }, make);
    for (const event of [first, ...later])
      expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(later.every((event) => event.eventId > first.eventId)).toBe(true);
    expect(new Set(later.map((event) => event.eventId)).size).toBe(50);
  });

  it("refuses to publish or consume an event that does not match its schema", () => {
    expect(() =>
      createEvent(
        "order.placed",
        // @ts-expect-error: a line without quantity is not an order.placed
        { orderId, customerId, totalCents: 1, currency: "USD", lines: [{ productId, unitPriceCents: 1 }] },
        { producer: "orders" },
      ),
    ).toThrow(InvalidEventError);
    const good = createEvent("order.cancelled", { orderId, customerId, reason: "x" }, { producer: "orders" });
    expect(() => parseEnvelope({ ...good, type: "order.exploded" })).toThrow(/invalid envelope: type/);
    expect(() => parseEnvelope({ ...good, version: 9 })).toThrow(/unsupported version 9/);
    expect(() => parseEnvelope({ ...good, data: { orderId: "nope" } })).toThrow(/invalid order.cancelled data/);
    expect(() => parseEnvelope("garbage")).toThrow(InvalidEventError);
  });

  it("builds the event as parseEnvelope would read it back, and checks the producer's context", () => {
    // createEvent no longer parses the whole envelope again: what it returns must still be what
    // a consumer parses from its JSON, sealed personal fields and signature included.
    const registered = createEvent(
      "user.registered",
      { userId: customerId, email: "ada@example.com", name: "Ada" },
      { producer: "accounts", correlationId: orderId, causationId: productId },
    );
    expect(registered.data.email).toMatch(/^v1\./);
    expect(registered.signature).toBeDefined();
    expect(parseEnvelope(JSON.parse(JSON.stringify(registered)))).toEqual(registered);
    const context = (extra: object) => ({ producer: "orders", ...extra });
    const cancelled = (extra: object) =>
      createEvent("order.cancelled", { orderId, customerId, reason: "x" }, context(extra));
    expect(() => cancelled({ correlationId: "nope" })).toThrow(/invalid envelope: correlationId/);
    expect(() => cancelled({ causationId: "nope" })).toThrow(/invalid envelope: causationId/);
    expect(() => cancelled({ producer: "" })).toThrow(/invalid envelope: producer/);
    expect(cancelled({ causationId: "", traceparent: "" })).not.toHaveProperty("causationId");
  });

  it("routes every event type", () => {
    expect(Object.keys(ROUTES).sort()).toEqual([...EVENT_TYPES].sort());
  });
});
