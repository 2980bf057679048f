import { randomBytes } from "node:crypto";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import { type Platform, startPlatform } from "../fixtures";
import { type OtlpReceiver, otlpEnv, type ReceivedSpan, startOtlpReceiver } from "../fixtures/otlpReceiver";

jest.setTimeout(180_000);

let receiver: OtlpReceiver;
let platform: Platform;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  platform = await startPlatform({ env: otlpEnv(receiver), logLevel: "info" });
});
afterAll(async () => {
  await platform?.stop();
  await receiver?.close();
});

const SERVER = 2;
const CONSUMER = 5;

/** Polls the spans received for `traceId` until `done` holds. */
async function traceUntil(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const spans = receiver.spans().filter((span) => span.traceId === traceId);
    if (done(spans)) return spans;
    if (Date.now() > deadline) throw new Error(`trace incomplete: ${JSON.stringify(spans.map((s) => `${s.service}: ${s.name}`))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The services on the way from the root to `span`, root first. */
function pathTo(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): string[] {
  const path: string[] = [];
  for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) path.unshift(at.service);
  return path.filter((service, i) => service !== path[i - 1]);
}

/** BullMQ's consumer span of one job (bullmq-otel): `process <queue>`, with the job's name (the event type). */
const consumerOf = (queue: string, event: string) => (span: ReceivedSpan) =>
  span.kind === CONSUMER && span.service === "workers" && span.attributes["bullmq.queue.name"] === queue && span.attributes["bullmq.job.name"] === event;

describe("one trace from the client to the workers", () => {
  it("follows placeOrder from the gateway through orders, the outbox and every consumer of the saga up to the order's confirmation", async () => {
    const customer = await platform.login("customer@example.com");
    const product = buildSeedData().products.find((p) => p.stock >= 5);
    if (!product) throw new Error("no product in stock");
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");

    const placed = await platform.query<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation PlaceOrder($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: product.id },
      { ...customer, traceparent: `00-${traceId}-${clientSpanId}-01` },
    );
    expect(placed.errors).toBeUndefined();

    const spans = await traceUntil(traceId, (all) => all.some(consumerOf("events-orders", "payment.succeeded")) && all.some(consumerOf("events-notifications", "order.confirmed")));
    const byId = new Map(spans.map((span) => [span.spanId, span]));

    // The gateway continues the client's trace, and every span hangs off it: one connected tree.
    const root = spans.find((span) => span.service === "gateway" && span.kind === SERVER);
    expect(root?.parentSpanId).toBe(clientSpanId);
    for (const span of spans) {
      if (span !== root) expect(span.parentSpanId && byId.has(span.parentSpanId) ? "connected" : `${span.service}: ${span.name} has no parent in the trace`).toBe("connected");
    }

    // Inside the gateway: the GraphQL operation and a fetch to the orders subgraph.
    expect(spans.some((span) => span.service === "gateway" && span.name.startsWith("graphql."))).toBe(true);
    expect(spans.some((span) => span.service === "gateway" && span.name === "gateway.fetch" && span.attributes.service === "orders")).toBe(true);
    // orders served it (HTTP server span under the gateway) and wrote the order with Prisma.
    const ordersServer = spans.find((span) => span.service === "orders" && span.kind === SERVER);
    expect(ordersServer && pathTo(ordersServer, byId)).toEqual(["gateway", "orders"]);
    expect(spans.some((span) => span.service === "orders" && span.name.startsWith("prisma:"))).toBe(true);

    // The event went through the outbox to the catalog's consumer, parented on the request in orders...
    const reserve = spans.find(consumerOf("events-catalog", "order.placed"));
    expect(reserve && pathTo(reserve, byId)).toEqual(["gateway", "orders", "workers"]);
    // ...and the saga continued in the same trace: payment, confirmation, notification.
    for (const [queue, event] of [["events-payments", "stock.reserved"], ["events-orders", "payment.succeeded"], ["events-notifications", "order.confirmed"]] as const) {
      const step = spans.find(consumerOf(queue, event));
      expect(step && pathTo(step, byId)).toEqual(["gateway", "orders", "workers"]);
    }
    // The consumers' database work is inside their spans.
    expect(spans.some((span) => span.service === "workers" && span.name.startsWith("prisma:"))).toBe(true);
  });

  it("writes the trace id into the log lines of the request", async () => {
    const traceId = randomBytes(16).toString("hex");
    await platform.query("{ nope }", undefined, { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` });
    const deadline = Date.now() + 10_000;
    let line: string | undefined;
    while (!line && Date.now() < deadline) {
      line = platform.logs().find((l) => l.includes(traceId));
      if (!line) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(line && JSON.parse(line)).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});
