import { randomUUID } from "node:crypto";
import { createRedis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { type HttpTransport, openHttpSubscription, TEST_JWT_SECRET, waitFor } from "@fedplat/devkit";
import { buildSeedData } from "@fedplat/prisma/seed/data";
import pg from "pg";
import { type Platform, startPlatform, subscriptionClient, type TestSubscriptionClient } from "../fixtures";

jest.setTimeout(300_000);

let platform: Platform;
/** A second gateway process on the same subgraphs and Redis, with small limits. */
let replicaUrl: string;
let customer: { headers: Record<string, string>; id: string };
let staff: { headers: Record<string, string>; id: string };
let other: { headers: Record<string, string>; id: string };
const clients: TestSubscriptionClient[] = [];

const product = buildSeedData().products.find((p) => p.stock >= 50);

async function identity(headers: Record<string, string>) {
  const me = await platform.query<{ me: { id: string } }>(/* GraphQL */ "{ me { id } }", {}, headers);
  return { headers, id: me.data?.me.id ?? "" };
}

beforeAll(async () => {
  platform = await startPlatform();
  replicaUrl = await platform.addGateway({
    SUBSCRIPTIONS_MAX_PER_CONNECTION: "2",
    SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER: "2",
  });
  customer = await identity(await platform.login("customer@example.com"));
  staff = await identity(await platform.login("staff@example.com"));
  await platform.query(
    'mutation { register(input: { email: "watcher@example.com", password: "Passw0rd-2", name: "Another Customer" }) { email } }',
  );
  const registered = await platform.query<{ login: { accessToken: string } }>(
    'mutation { login(email: "watcher@example.com", password: "Passw0rd-2") { accessToken } }',
  );
  other = await identity({ authorization: `Bearer ${registered.data?.login.accessToken}` });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});
afterAll(() => platform?.stop());

/** A graphql-ws client on `url` (the first gateway by default), closed after each test. */
function connect(params: Record<string, unknown>, url = platform.gatewayUrl): TestSubscriptionClient {
  const client = subscriptionClient(url, params);
  clients.push(client);
  return client;
}

async function placeOrder(quantity = 1): Promise<string> {
  if (!product) throw new Error("no product in stock");
  const placed = await platform.query<{ placeOrder: { id: string } }>(
    /* GraphQL */ "mutation($p: ID!, $q: Int!) { placeOrder(input: { lines: [{ productId: $p, quantity: $q }] }) { id } }",
    { p: product.id, q: quantity },
    customer.headers,
  );
  const id = placed.data?.placeOrder.id;
  if (!id) throw new Error(`placeOrder failed: ${JSON.stringify(placed.errors)}`);
  return id;
}

type OrderEvent = {
  status: string;
  customer: { email: string };
  lines: Array<{ quantity: number; product: { name: string } }>;
  payment: { state: string } | null;
};
const ORDER_FIELDS = /* GraphQL */ `id status customer { email } lines { quantity product { name } } payment { state }`;
const MY_ORDER_UPDATES = /* GraphQL */ `subscription { myOrderUpdates { ${ORDER_FIELDS} } }`;
const ORDER_STATUS = /* GraphQL */ `subscription Watch($id: ID!) { orderStatusChanged(orderId: $id) { ${ORDER_FIELDS} } }`;

/** Resolves once the subscription is registered at the gateway: it answers with the order's current state. */
async function watchOrder(client: TestSubscriptionClient, orderId: string) {
  const watch = client.watch<{ orderStatusChanged: OrderEvent & { id: string } }>(ORDER_STATUS, { id: orderId });
  await watch.next();
  return watch;
}

describe.each<HttpTransport>(["sse", "multipart"])("federated subscriptions over %s", (transport) => {
  it("streams an order from its current state to CONFIRMED with fields from every subgraph, and refuses another customer", async () => {
    const id = await placeOrder();
    const stream = await openHttpSubscription(
      platform.gatewayUrl,
      transport,
      { query: ORDER_STATUS, variables: { id } },
      customer.headers,
    );
    try {
      const order = (event: { data?: Record<string, unknown> | null }) =>
        event.data?.orderStatusChanged as (OrderEvent & { id: string }) | undefined;
      const first = order(await stream.next());
      expect(first).toMatchObject({ id, customer: { email: "customer@example.com" } });
      expect(["PENDING", "CONFIRMED"]).toContain(first?.status);
      const confirmed = order(await stream.next((event) => order(event)?.status === "CONFIRMED", 60_000));
      expect(confirmed).toEqual({
        id,
        status: "CONFIRMED",
        customer: { email: "customer@example.com" },
        lines: [{ quantity: 1, product: { name: product?.name } }],
        payment: { state: "SUCCEEDED" },
      });
    } finally {
      stream.cancel();
    }
    const stolen = await openHttpSubscription(
      platform.gatewayUrl,
      transport,
      { query: ORDER_STATUS, variables: { id } },
      other.headers,
    );
    await stolen.ended;
    expect(stolen.events).toEqual([
      { errors: [expect.objectContaining({ message: `Order ${id} not found`, extensions: { code: "NOT_FOUND" } })] },
    ]);
    const anonymous = await openHttpSubscription(platform.gatewayUrl, transport, { query: MY_ORDER_UPDATES });
    expect(anonymous.status).toBe(401);
  });
});

describe("federated subscriptions through the gateway", () => {
  it("streams an order from PENDING to CONFIRMED with fields from accounts, orders, catalog and payments in every event", async () => {
    const client = connect({ authorization: customer.headers.authorization });
    const mine = client.watch<{ myOrderUpdates: OrderEvent & { id: string } }>(MY_ORDER_UPDATES);
    const notifications = client.watch<{ notificationAdded: { template: string; channel: string } }>(
      /* GraphQL */ "subscription { notificationAdded { template channel } }",
    );
    // A subscription is registered once the gateway answers to it; one with an initial state tells us so.
    await watchOrder(client, await placeOrder());

    const id = await placeOrder(2);
    const pending = await mine.next((event) => event.data?.myOrderUpdates.id === id);
    // Each event carries the state at the moment the gateway runs the selection: by then the saga
    // may already have created the payment (a CI run saw PENDING), or even charged it.
    const { payment: paymentWhilePending, ...pendingOrder } = pending.data?.myOrderUpdates ?? ({} as OrderEvent);
    expect(pendingOrder).toEqual({
      id,
      status: "PENDING",
      customer: { email: "customer@example.com" },
      lines: [{ quantity: 2, product: { name: product?.name } }],
    });
    expect([null, "PENDING", "SUCCEEDED"]).toContain(paymentWhilePending === null ? null : paymentWhilePending?.state);
    const confirmed = await mine.next(
      (event) => event.data?.myOrderUpdates.id === id && event.data.myOrderUpdates.status === "CONFIRMED",
    );
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data?.myOrderUpdates).toEqual({
      id,
      status: "CONFIRMED",
      customer: { email: "customer@example.com" },
      lines: [{ quantity: 2, product: { name: product?.name } }],
      payment: { state: "SUCCEEDED" },
    });
    const statuses = mine.events
      .filter((event) => event.data?.myOrderUpdates.id === id)
      .map((event) => event.data?.myOrderUpdates.status);
    expect(statuses).toEqual(["PENDING", "CONFIRMED"]);
    await notifications.next((event) => event.data?.notificationAdded.template === "order-confirmed");
    expect(notifications.events.every((event) => event.data?.notificationAdded.channel === "EMAIL")).toBe(true);
  });

  it("delivers each event of a subscription with @defer in parts: the order, then its customer from accounts", async () => {
    const id = await placeOrder();
    const client = connect({ authorization: customer.headers.authorization });
    type Part = {
      data?: { orderStatusChanged: { id: string; status: string } };
      incremental?: Array<{ data: unknown; path: string[]; label?: string }>;
      hasNext?: boolean;
    };
    const watch = client.watch<{ orderStatusChanged: { id: string; status: string } }>(
      /* GraphQL */ `subscription Deferred($id: ID!) { orderStatusChanged(orderId: $id) { id status ... @defer(label: "people") { customer { email } } } }`,
      { id },
    );
    const parts = watch.events as unknown as Part[];
    await watch.next((event) => event.data?.orderStatusChanged.status === "CONFIRMED");
    const cancelled = await platform.query(
      /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
      { id },
      customer.headers,
    );
    expect(cancelled.errors).toBeUndefined();
    const last = await watch.next((event) => event.data?.orderStatusChanged.status === "CANCELLED");
    const through = watch.events.indexOf(last) + 2; // the CANCELLED event's deferred part included
    await watch.next(() => watch.events.length >= through);
    // Every event (the current state first, then each change) is two messages, never interleaved.
    expect(through).toBeGreaterThanOrEqual(4);
    expect(through % 2).toBe(0);
    for (let at = 0; at < through; at += 2) {
      expect(parts[at]).toEqual({ data: { orderStatusChanged: { id, status: expect.any(String) } }, hasNext: true });
      expect(parts[at + 1]).toEqual({
        incremental: [
          { data: { customer: { email: "customer@example.com" } }, path: ["orderStatusChanged"], label: "people" },
        ],
        hasNext: false,
      });
    }
  });

  it("starts orderStatusChanged with the order's current state, then follows it to CANCELLED", async () => {
    const id = await placeOrder();
    const client = connect({ authorization: customer.headers.authorization });
    const watch = await watchOrder(client, id);
    const first = watch.events[0]?.data?.orderStatusChanged;
    expect(first?.id).toBe(id);
    expect(["PENDING", "CONFIRMED"]).toContain(first?.status);
    await watch.next((event) => event.data?.orderStatusChanged.status === "CONFIRMED");

    const cancelled = await platform.query(
      /* GraphQL */ "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
      { id },
      customer.headers,
    );
    expect(cancelled.errors).toBeUndefined();
    const last = await watch.next((event) => event.data?.orderStatusChanged.status === "CANCELLED");
    expect(last.data?.orderStatusChanged).toMatchObject({
      customer: { email: "customer@example.com" },
      payment: { state: expect.stringMatching(/SUCCEEDED|REFUNDED/) },
    });
  });

  it("applies the same permissions to every event: other customers get nothing, staff may watch any order", async () => {
    const otherClient = connect({ authorization: other.headers.authorization });
    const othersUpdates = otherClient.watch<{ myOrderUpdates: { id: string } }>(
      /* GraphQL */ "subscription { myOrderUpdates { id } }",
    );
    const staffClient = connect({ authorization: staff.headers.authorization });
    const staffOwn = staffClient.watch<{ myOrderUpdates: { id: string } }>(
      /* GraphQL */ "subscription { myOrderUpdates { id } }",
    );

    const id = await placeOrder();
    const stolen = otherClient.watch(ORDER_STATUS, { id });
    await stolen.ended();
    expect(stolen.events).toEqual([]);
    expect(stolen.error).toEqual([
      expect.objectContaining({ message: `Order ${id} not found`, extensions: { code: "NOT_FOUND" } }),
    ]);

    const watched = await watchOrder(staffClient, id);
    const confirmed = await watched.next((event) => event.data?.orderStatusChanged.status === "CONFIRMED");
    expect(confirmed.data?.orderStatusChanged.customer.email).toBe("customer@example.com");

    // Both were subscribed before the order was placed and are still open: neither saw it.
    expect(othersUpdates.error ?? staffOwn.error).toBeUndefined();
    expect(othersUpdates.events).toEqual([]);
    expect(staffOwn.events).toEqual([]);
  });

  it("runs one execution per event for staff viewers with distinct identities, and the customer's own", async () => {
    const id = await placeOrder();
    const ownerWatch = await watchOrder(connect({ authorization: customer.headers.authorization }), id);
    await ownerWatch.next((event) => event.data?.orderStatusChanged.status === "CONFIRMED", 60_000);
    // Four more staff users (the gateway checks each token's session: they must exist), straight
    // into accounts' table: four registrations and role changes would only add password hashing.
    const db = new pg.Client({ connectionString: platform.database.url });
    await db.connect();
    const { rows } = await db
      .query<{ id: string }>(
        `INSERT INTO accounts.users (id, email, name, role, password_hash, created_at, updated_at)
         SELECT gen_random_uuid(), 'watching-staff-' || n || '-' || $1 || '@example.com', 'Staff ' || n, u.role, u.password_hash, now(), now()
         FROM accounts.users u, generate_series(1, 4) n WHERE u.email = 'staff@example.com' RETURNING id`,
        [randomUUID()],
      )
      .finally(() => db.end());
    const staffWatches = await Promise.all(
      rows.map(async ({ id: staffId }) => {
        const token = await signAccessToken({ id: staffId, role: "STAFF" }, TEST_JWT_SECRET);
        return watchOrder(connect({ authorization: `Bearer ${token}` }), id);
      }),
    );
    expect(staffWatches).toHaveLength(4);
    /** Event executions the orders subgraph has answered (the gateway names them after the document: Watch__orders__n). */
    const executions = async () =>
      Object.entries((await platform.subgraphOperations()).orders ?? {})
        .filter(([operation]) => operation.startsWith("Watch__"))
        .reduce((sum, [, count]) => sum + count, 0);
    /** Events the gateway has resolved for a subscriber (delivered, repeated, hidden or failed). */
    const outcomes = async () => {
      const metrics = await (await fetch(platform.gatewayUrl.replace(/graphql$/, "metrics"))).text();
      return [...metrics.matchAll(/^gateway_subscription_events_total\{[^}]*\} (\d+)$/gm)].reduce(
        (sum, [, count]) => sum + Number(count),
        0,
      );
    };
    const before = { executions: await executions(), outcomes: await outcomes() };
    const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "subscriptions-e2e");
    await redis.publish(platform.liveUpdatesChannel, JSON.stringify({ typename: "Order", id, ownerId: customer.id }));
    await redis.quit();
    for (const watch of staffWatches)
      expect((await watch.next()).data?.orderStatusChanged).toMatchObject({
        id,
        customer: { email: "customer@example.com" },
      });
    // Every event this order had in the meantime (the saga's late ones too) reached all five.
    const events = await waitFor("the event resolved for all five subscribers", async () => {
      const resolved = (await outcomes()) - before.outcomes;
      return resolved >= 5 && resolved % 5 === 0 && resolved / 5;
    });
    // Per event, the staff class shares one execution (its answers read no viewer id); the
    // customer's answer reads hers: one of her own.
    expect((await executions()) - before.executions).toBe(2 * events);
  });

  it("delivers a change committed by a worker to subscribers on two gateway replicas", async () => {
    const onFirst = connect({ authorization: customer.headers.authorization });
    const onSecond = connect({ authorization: customer.headers.authorization }, replicaUrl);
    const staffOnSecond = connect({ authorization: staff.headers.authorization }, replicaUrl);
    const first = onFirst.watch<{ myOrderUpdates: OrderEvent & { id: string } }>(MY_ORDER_UPDATES);
    const second = onSecond.watch<{ myOrderUpdates: OrderEvent & { id: string } }>(MY_ORDER_UPDATES);
    await watchOrder(onFirst, await placeOrder());
    await watchOrder(onSecond, await placeOrder());

    const id = await placeOrder();
    const staffWatch = await watchOrder(staffOnSecond, id);
    for (const watch of [first, second]) {
      const confirmed = await watch.next(
        (event) => event.data?.myOrderUpdates.id === id && event.data.myOrderUpdates.status === "CONFIRMED",
      );
      expect(confirmed.data?.myOrderUpdates.payment).toEqual({ state: "SUCCEEDED" });
    }
    await staffWatch.next((event) => event.data?.orderStatusChanged.status === "CONFIRMED");
  });

  it("authenticates connection_init like HTTP and closes the connection with 4401 when the access token expires", async () => {
    const anonymous = connect({});
    expect(await anonymous.closed).toEqual({ code: 4401, reason: expect.stringContaining("Authentication required") });
    const forged = connect({ authorization: "Bearer not.a.token" });
    expect(await forged.closed).toEqual({ code: 4401, reason: "Invalid access token" });
    const expired = connect({
      authorization: `Bearer ${await signAccessToken({ id: customer.id, role: "CUSTOMER" }, TEST_JWT_SECRET, -10)}`,
    });
    expect(await expired.closed).toEqual({ code: 4401, reason: "Access token expired" });

    const shortLived = connect({
      authorization: `Bearer ${await signAccessToken({ id: customer.id, role: "CUSTOMER" }, TEST_JWT_SECRET, 3)}`,
    });
    const watch = shortLived.watch(MY_ORDER_UPDATES);
    const connectedAt = Date.now();
    expect(await shortLived.closed).toEqual({ code: 4401, reason: "Access token expired" });
    expect(Date.now() - connectedAt).toBeGreaterThan(1_000);
    await watch.ended();
  });

  it("accepts an API key in connection_init, with the key's role", async () => {
    const admin = await platform.login("admin@example.com");
    const created = await platform.query<{ createApiKey: { key: string } }>(
      'mutation { createApiKey(input: { name: "live", role: STAFF }) { key } }',
      {},
      admin,
    );
    const key = created.data?.createApiKey.key ?? "";
    const watch = await watchOrder(connect({ "x-api-key": key }), await placeOrder());
    expect(watch.events[0]?.data?.orderStatusChanged.customer.email).toBe("customer@example.com");
    expect(await connect({ "x-api-key": "fp_wrong" }).closed).toEqual({
      code: 4401,
      reason: "Invalid, revoked or expired API key",
    });
  });

  it("disconnects a subscriber that falls behind with 4013 instead of queueing without bound", async () => {
    const slowUrl = await platform.addGateway({ SUBSCRIPTIONS_QUEUE_LIMIT: "1" });
    const id = await placeOrder();
    // The saga's own updates must not be what overflows the queue of one: only the burst below.
    await eventually(
      () =>
        platform.query<{ order: { status: string } | null }>(
          /* GraphQL */ "query($id: ID!) { order(id: $id) { status } }",
          { id },
          customer.headers,
        ),
      (answer) => answer.data?.order?.status === "CONFIRMED",
    );
    const client = connect({ authorization: customer.headers.authorization }, slowUrl);
    await watchOrder(client, id);
    // A burst of updates for one subscription, faster than each can be resolved and sent.
    const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "subscriptions-e2e");
    try {
      const burst = redis.pipeline();
      for (let i = 0; i < 20; i += 1)
        burst.publish(platform.liveUpdatesChannel, JSON.stringify({ typename: "Order", id, ownerId: customer.id }));
      await burst.exec();
    } finally {
      redis.disconnect();
    }
    expect(await client.closed).toEqual({ code: 4013, reason: "Slow consumer: more than 1 undelivered events" });
  });

  it("reports an unavailable subgraph in the event, like a query would, instead of dropping it", async () => {
    const brokenUrl = await platform.addGateway({ SUBGRAPH_ORDERS_URL: "http://127.0.0.1:9/graphql" });
    const id = await placeOrder();
    const client = connect({ authorization: customer.headers.authorization }, brokenUrl);
    const initial = client.watch(ORDER_STATUS, { id });
    await initial.ended();
    expect(initial.error).toEqual([
      expect.objectContaining({
        message: 'Subgraph "orders" is unavailable',
        extensions: expect.objectContaining({ code: "SUBGRAPH_UNAVAILABLE", serviceName: "orders" }),
      }),
    ]);

    const mine = client.watch(MY_ORDER_UPDATES);
    const gauges = await eventually(
      () => gatewayGauges(brokenUrl),
      (g) => g.gateway_subscriptions_active === 1,
    );
    expect(gauges.gateway_subscriptions_active).toBe(1);
    await placeOrder();
    const event = await mine.next();
    expect(event.data).toBeNull();
    expect(event.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: "SUBGRAPH_UNAVAILABLE" }) }),
    ]);
  });

  it("limits subscriptions per connection and connections per user, with clear errors and close codes", async () => {
    const client = connect({ authorization: customer.headers.authorization }, replicaUrl);
    const first = await watchOrder(client, await placeOrder());
    await watchOrder(client, await placeOrder());
    const third = client.watch(MY_ORDER_UPDATES);
    await third.ended();
    expect(third.error).toEqual([
      expect.objectContaining({
        message: "Too many subscriptions on this connection (limit 2)",
        extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
      }),
    ]);
    first.stop(); // a completed subscription frees its slot
    await watchOrder(client, await placeOrder());

    const second = connect({ authorization: customer.headers.authorization }, replicaUrl);
    await watchOrder(second, await placeOrder());
    const third2 = connect({ authorization: customer.headers.authorization }, replicaUrl);
    expect(await third2.closed).toEqual({ code: 4029, reason: "Too many connections for this user (limit 2)" });

    const other = connect({ authorization: staff.headers.authorization });
    const invalid = other.watch(/* GraphQL */ "subscription { orderStatusChanged(orderId: 5) { nope } }");
    await invalid.ended();
    expect(invalid.error).toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    const query = other.watch(/* GraphQL */ "{ me { id } }");
    await query.ended();
    expect(query.error).toEqual([
      expect.objectContaining({
        message: "Only subscriptions run over WebSocket; send this query over HTTP",
        extensions: { code: "BAD_REQUEST" },
      }),
    ]);
  });

  it("releases every listener, subscription and timer after 1,000 connect/disconnect cycles", async () => {
    const id = await placeOrder();
    const before = await gatewayGauges();
    expect(before.gateway_subscription_connections).toBe(0);
    const replicas = Object.keys(platform.services).filter((name) => name.startsWith("gateway")).length;
    // One Redis subscriber per gateway replica, however many clients (a replica's subscriber may be re-subscribing a moment).
    expect(await eventually(liveSubscribers, (count) => count === replicas)).toBe(replicas);

    const cycles = 1_000;
    const parallel = 10;
    let done = 0;
    await Promise.all(
      Array.from({ length: parallel }, async (_, lane) => {
        for (let i = lane; i < cycles; i += parallel) {
          const client = subscriptionClient(platform.gatewayUrl, { authorization: customer.headers.authorization });
          // Half leave after their first event, half as soon as they have subscribed (mid set-up).
          const watch = client.watch(ORDER_STATUS, { id });
          if (i % 2 === 0) await watch.next();
          else client.watch(MY_ORDER_UPDATES);
          await client.dispose();
          done += 1;
        }
      }),
    );
    expect(done).toBe(cycles);

    const after = await eventually(
      () => gatewayGauges(),
      (gauges) => gauges.gateway_subscription_connections === 0 && gauges.gateway_subscriptions_active === 0,
    );
    expect(after.gateway_subscription_connections).toBe(before.gateway_subscription_connections);
    expect(after.gateway_subscriptions_active).toBe(before.gateway_subscriptions_active);
    expect(after.gateway_live_update_listeners).toBe(before.gateway_live_update_listeners);
    expect(after.gateway_subscription_expiry_timers).toBe(before.gateway_subscription_expiry_timers);
    expect(after.nodejs_active_handles_total).toBeLessThanOrEqual((before.nodejs_active_handles_total ?? 0) + 5);
    expect(await liveSubscribers()).toBe(replicas);
  });
});

/** Selected gauges from a gateway's /metrics (the first one by default). */
async function gatewayGauges(url = platform.gatewayUrl): Promise<Record<string, number>> {
  const text = await (await fetch(url.replace(/\/graphql$/, "/metrics"))).text();
  const names = [
    "gateway_subscription_connections",
    "gateway_subscriptions_active",
    "gateway_live_update_listeners",
    "gateway_subscription_expiry_timers",
    "nodejs_active_handles_total",
  ];
  return Object.fromEntries(
    names.map((name) => [
      name,
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN),
    ]),
  );
}

/** Redis clients subscribed to this platform's live-update channel. */
async function liveSubscribers(): Promise<number> {
  const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "subscriptions-e2e");
  try {
    const [, count] = (await redis.pubsub("NUMSUB", platform.liveUpdatesChannel)) as [string, number];
    return Number(count);
  } finally {
    redis.disconnect();
  }
}

/** Polls `read` until `done` holds (disconnects are processed asynchronously by the gateway). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
