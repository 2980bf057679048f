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
    if (Date.now() > deadline)
      throw new Error(`trace incomplete: ${JSON.stringify(spans.map((s) => `${s.service}: ${s.name}`))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The services on the way from the root to `span`, root first. */
function pathTo(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): string[] {
  const path: string[] = [];
  for (let at: ReceivedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined)
    path.unshift(at.service);
  return path.filter((service, i) => service !== path[i - 1]);
}

/** BullMQ's consumer span of one job (bullmq-otel): `process <queue>`, with the job's name (the event type). */
const consumerOf = (queue: string, event: string) => (span: ReceivedSpan) =>
  span.kind === CONSUMER &&
  span.service === "workers" &&
  span.attributes["bullmq.queue.name"] === queue &&
  span.attributes["bullmq.job.name"] === event;

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

    // Every consumer of the saga has finished (its span ends after its children): the trace is complete.
    const lastSteps = [
      consumerOf("events-orders", "payment.succeeded"),
      consumerOf("events-catalog", "payment.succeeded"),
      consumerOf("events-notifications", "order.confirmed"),
    ];
    const spans = await traceUntil(traceId, (all) => lastSteps.every((step) => all.some(step)));
    const byId = new Map(spans.map((span) => [span.spanId, span]));

    // The gateway continues the client's trace, and every span hangs off it: one connected tree.
    const root = spans.find((span) => span.service === "gateway" && span.kind === SERVER);
    expect(root?.parentSpanId).toBe(clientSpanId);
    for (const span of spans) {
      if (span !== root)
        expect(
          span.parentSpanId && byId.has(span.parentSpanId)
            ? "connected"
            : `${span.service}: ${span.name} has no parent in the trace`,
        ).toBe("connected");
    }

    // Inside the gateway: the GraphQL operation and a fetch to the orders subgraph.
    expect(spans.some((span) => span.service === "gateway" && span.name.startsWith("graphql."))).toBe(true);
    expect(
      spans.some(
        (span) => span.service === "gateway" && span.name === "gateway.fetch" && span.attributes.service === "orders",
      ),
    ).toBe(true);
    // orders served it (HTTP server span under the gateway) and wrote the order with Prisma.
    const ordersServer = spans.find((span) => span.service === "orders" && span.kind === SERVER);
    expect(ordersServer && pathTo(ordersServer, byId)).toEqual(["gateway", "orders"]);
    expect(spans.some((span) => span.service === "orders" && span.name.startsWith("prisma:"))).toBe(true);

    // The event went through the outbox to the catalog's consumer, parented on the request in orders...
    const reserve = spans.find(consumerOf("events-catalog", "order.placed"));
    expect(reserve && pathTo(reserve, byId)).toEqual(["gateway", "orders", "workers"]);
    // ...and the saga continued in the same trace: payment, confirmation, notification.
    for (const [queue, event] of [
      ["events-payments", "stock.reserved"],
      ["events-orders", "payment.succeeded"],
      ["events-notifications", "order.confirmed"],
    ] as const) {
      const step = spans.find(consumerOf(queue, event));
      expect(step && pathTo(step, byId)).toEqual(["gateway", "orders", "workers"]);
    }
    // The consumers' database work is inside their spans.
    expect(spans.some((span) => span.service === "workers" && span.name.startsWith("prisma:"))).toBe(true);
  });

  it("writes the trace id into the log lines of the request", async () => {
    const traceId = randomBytes(16).toString("hex");
    await platform.query(/* GraphQL */ "{ nope }", undefined, {
      traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
    });
    const deadline = Date.now() + 10_000;
    let line: string | undefined;
    while (!line && Date.now() < deadline) {
      line = platform.logs().find((l) => l.includes(traceId));
      if (!line) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(line && JSON.parse(line)).toMatchObject({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });
});

/** The value of one sample in a Prometheus text exposition (0 when absent). */
async function sample(port: number | undefined, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe("Prometheus metrics on every process", () => {
  it("exposes process, database pool, operation, fetch, cache and queue metrics that move under traffic", async () => {
    const port = (name: string) => platform.services[name]?.port;
    for (const name of Object.keys(platform.services)) {
      expect(await sample(port(name), /^process_cpu_user_seconds_total\{[^}]*\} ([\d.e+-]+)$/m)).toBeGreaterThan(0);
    }
    const operations = /^gateway_operations_total\{[^}]*operation="Products",outcome="ok"[^}]*\} (\d+)$/m;
    const catalogFetches =
      /^gateway_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="catalog",outcome="ok"[^}]*\} (\d+)$/m;
    const catalogStatements = /^db_statements_total\{[^}]*\} (\d+)$/m;
    // the subgraph counts the gateway's fetches by their planned names
    const catalogOperations =
      /^subgraph_operations_total\{[^}]*operation="Products__catalog__0",outcome="ok"[^}]*\} (\d+)$/m;
    const before = {
      operations: await sample(port("gateway"), operations),
      fetches: await sample(port("gateway"), catalogFetches),
      statements: await sample(port("catalog"), catalogStatements),
      catalogOperations: await sample(port("catalog"), catalogOperations),
    };
    // Five different documents: public catalog answers are cached, so the same one twice would be a cache hit.
    const products = (first: number) => /* GraphQL */ `query Products { products(first: ${first}) { totalCount } }`;
    const cacheHits = /^gateway_response_cache_requests_total\{[^}]*status="HIT"[^}]*\} (\d+)$/m;
    const hitsBefore = await sample(port("gateway"), cacheHits);
    for (let i = 1; i <= 5; i++) expect((await platform.query(products(i))).errors).toBeUndefined();
    expect(await sample(port("gateway"), operations)).toBe(before.operations + 5);
    expect(await sample(port("gateway"), catalogFetches)).toBe(before.fetches + 5);
    expect(await sample(port("catalog"), catalogStatements)).toBeGreaterThan(before.statements);
    expect(await sample(port("catalog"), catalogOperations)).toBe(before.catalogOperations + 5);
    expect(
      await sample(
        port("catalog"),
        /^subgraph_operation_duration_seconds_count\{[^}]*operation="Products__catalog__0",outcome="ok"[^}]*\} (\d+)$/m,
      ),
    ).toBe(before.catalogOperations + 5);
    // the same document again is served from the response cache: a hit, and no catalog fetch
    expect((await platform.query(products(1))).errors).toBeUndefined();
    expect(await sample(port("gateway"), cacheHits)).toBe(hitsBefore + 1);
    expect(await sample(port("gateway"), catalogFetches)).toBe(before.fetches + 5);
    // the catalog's pool has opened connections and says how many it may open
    expect(
      await sample(port("catalog"), /^db_pool_connections\{[^}]*pool="catalog",state="total"[^}]*\} (\d+)$/m),
    ).toBeGreaterThan(0);
    expect(await sample(port("catalog"), /^db_pool_connections\{[^}]*pool="catalog",state="max"[^}]*\} (\d+)$/m)).toBe(
      10,
    );

    // the workers: a placed order moves the consumers' counters; depth, age and dead letters are exported per queue
    const applied =
      /^events_processed_total\{[^}]*consumer="catalog",type="order.placed",outcome="applied"[^}]*\} (\d+)$/m;
    const appliedBefore = await sample(port("workers"), applied);
    const customer = await platform.login("customer@example.com");
    const product = buildSeedData().products.find((p) => p.stock >= 5);
    await platform.query(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: product?.id },
      customer,
    );
    const deadline = Date.now() + 30_000;
    while ((await sample(port("workers"), applied)) === appliedBefore && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sample(port("workers"), applied)).toBe(appliedBefore + 1);
    const workersText = await (await fetch(`http://127.0.0.1:${port("workers")}/metrics`)).text();
    expect(workersText).toMatch(/^bullmq_queue_jobs\{[^}]*queue="events-catalog",state="waiting"[^}]*\} \d+$/m);
    expect(workersText).toMatch(/^bullmq_queue_jobs\{[^}]*queue="dead-letters",state="waiting"[^}]*\} 0$/m);
    expect(workersText).toMatch(/^bullmq_queue_oldest_waiting_seconds\{[^}]*queue="events-orders"[^}]*\} [\d.]+$/m);
  });
});
