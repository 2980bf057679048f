/**
 * Subscription fan-out benchmark: N graphql-ws subscribers on one gateway process, one live
 * update published on Redis (as a producer does after its commit), delivered to all of them
 * through the federated execution. Scenarios side by side in one run:
 * - one viewer (N tabs of one customer, `myOrderUpdates`): one shared execution per event;
 * - distinct staff viewers (N staff users watching one order): one execution per role class when
 *   the subgraphs say the answer depends only on the role (docs/subscriptions.md), next to the
 *   same scenario on a gateway replica with that sharing off (one execution per viewer);
 * - distinct owners (N customers, each watching their own order; N updates per round, one per
 *   order): answers that depend on identity, one execution per viewer.
 * Every delivered event is checked (the right order, the right customer). Reports delivery latency
 * (publish -> message parsed by the client), the orders subgraph's executions and the gateway's CPU
 * per round (from the processes' own counters), and the gateway's memory per idle connection.
 * Prints a markdown table and writes it to bench/results/subscriptions.md.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createRedis, type Redis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { TEST_JWT_SECRET } from "@fedplat/devkit";
import { startPlatform, type Platform } from "@fedplat/tests";
import pg from "pg";
import WebSocket from "ws";

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? "1000,5000").split(",").map(Number);
const DISTINCT_SIZES = (process.env.BENCH_DISTINCT_SUBSCRIBERS ?? "500,1000").split(",").map(Number);
/** The distinct-staff size also run on a replica with sharing off, for the side-by-side ratio. */
const UNSHARED_SIZE = Number(process.env.BENCH_UNSHARED_SUBSCRIBERS ?? 500);
const OWNER_SIZE = Number(process.env.BENCH_OWNER_SUBSCRIBERS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SELECTION = "id status customer { email } lines { quantity product { name } } payment { state }";
const ORDER_STATUS = /* GraphQL */ `subscription($id: ID!) { orderStatusChanged(orderId: $id) { ${SELECTION} } }`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw graphql-transport-ws subscriber (lighter than a full client, so thousands fit in this process). */
interface Subscriber {
  socket: WebSocket;
  /** Time each `next` arrived, by sequence of arrival. */
  received: number[];
  /** Events whose payload was not what this subscriber may see (must stay 0). */
  wrong: number;
  ready: Promise<void>;
}

function subscriber(
  wsUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  waitForFirst: boolean,
  isRight: (payload: unknown) => boolean,
): Subscriber {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const self: Subscriber = { socket, received: [], wrong: 0, ready: Promise.resolve() };
  let first = !waitForFirst;
  self.ready = new Promise<void>((resolve, reject) => {
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
        if (first) resolve();
      } else if (message.type === "next") {
        if (!isRight(message.payload)) self.wrong += 1;
        if (!first) {
          first = true;
          resolve();
        } else self.received.push(performance.now());
      } else if (message.type === "error") reject(new Error(JSON.stringify(message.payload)));
    });
    socket.on("close", (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
    socket.on("error", reject);
  });
  return self;
}

/** A `next` payload carrying `field` of order `orderId` with customer `email`, and nothing else. */
const orderEvent = (field: string, orderId: string, email: string) => (payload: unknown) => {
  const result = payload as { data?: Record<string, { id?: string; customer?: { email?: string } }>; errors?: unknown };
  const order = result.data?.[field];
  return !result.errors && order?.id === orderId && order.customer?.email === email;
};

/** A gateway process: its /graphql URL and pid (to ask it for a full GC, see support/gcOnSignal.cjs). */
interface GatewayProcess {
  url: string;
  pid: number | undefined;
}

/** The gateway's memory (after a full GC when `collect`), CPU seconds so far and active subscriptions. */
async function gaugesOf(
  gateway: GatewayProcess,
  collect = false,
): Promise<{ rss: number; heap: number; cpu: number; active: number }> {
  if (collect && gateway.pid) {
    process.kill(gateway.pid, "SIGUSR2");
    await sleep(1_000);
  }
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, "/metrics"))).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    rss: read("process_resident_memory_bytes"),
    heap: read("nodejs_heap_size_used_bytes"),
    cpu: read("process_cpu_seconds_total"),
    active: read("gateway_subscriptions_active"),
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Scenario {
  name: string;
  subscribers: number;
  sharing: string;
  /** Operations the orders subgraph executed per round (each event execution starts there). */
  ordersPerRound: number;
  /** Gateway CPU per round (user + system), ms. */
  cpuPerRound: number;
  p50: number;
  p99: number;
  max: number;
  delivered: string;
  rssPerConnection: number;
  heapPerConnection: number;
}

/** A round's live updates: one (an order every subscriber watches) or one per watched order. */
type Updates = ReadonlyArray<{ id: string; ownerId: string }>;

async function run(
  platform: Platform,
  gateway: GatewayProcess,
  scenario: { name: string; sharing: string },
  count: number,
  makeSubscriber: (i: number) => Subscriber,
  updates: Updates,
): Promise<Scenario> {
  await sleep(2_000);
  const before = await gaugesOf(gateway, true);
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = Array.from({ length: Math.min(250, count - i) }, (_, j) => makeSubscriber(i + j));
    await Promise.all(batch.map((s) => s.ready));
    subscribers.push(...batch);
  }
  await until(async () => (await gaugesOf(gateway)).active >= count, 120_000, `${count} active subscriptions`);
  const idle = await gaugesOf(gateway, true);

  const ordersBefore = await ordersOperations(platform);
  const redis = createRedis(process.env.REDIS_URL ?? redisUrl, "bench-subscriptions");
  const latencies: number[] = [];
  let cpu = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const counts = subscribers.map((s) => s.received.length);
    const cpuBefore = (await gaugesOf(gateway)).cpu;
    const publishedAt = performance.now();
    await publish(redis, platform.liveUpdatesChannel, updates);
    await until(
      async () => subscribers.every((s, i) => s.received.length > (counts[i] ?? 0)),
      120_000,
      `round ${round} delivered to all`,
    );
    for (const [i, s] of subscribers.entries())
      latencies.push((s.received[counts[i] ?? 0] ?? Number.NaN) - publishedAt);
    await sleep(500);
    cpu += (await gaugesOf(gateway)).cpu - cpuBefore;
  }
  await redis.quit();
  const ordersPerRound = ((await ordersOperations(platform)) - ordersBefore) / ROUNDS;
  const wrong = subscribers.reduce((sum, s) => sum + s.wrong, 0);
  if (wrong > 0) throw new Error(`${scenario.name}: ${wrong} events carried what their subscriber may not see`);
  for (const s of subscribers) s.socket.close();
  await until(async () => (await gaugesOf(gateway)).active === 0, 60_000, "subscriptions released");
  return {
    ...scenario,
    subscribers: count,
    ordersPerRound,
    cpuPerRound: (cpu * 1_000) / ROUNDS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    delivered: `${latencies.length}/${count * ROUNDS}`,
    rssPerConnection: (idle.rss - before.rss) / count,
    heapPerConnection: (idle.heap - before.heap) / count,
  };
}

/** Every update of a round at once (one pipeline), as producers committing together would. */
async function publish(redis: Redis, channel: string, updates: Updates): Promise<void> {
  const pipeline = redis.pipeline();
  for (const update of updates) pipeline.publish(channel, JSON.stringify({ typename: "Order", ...update }));
  await pipeline.exec();
}

async function ordersOperations(platform: Platform): Promise<number> {
  const counts = (await platform.subgraphOperations()).orders ?? {};
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

/**
 * `count` users like the seeded `like` (same role and password), inserted in accounts' table
 * directly: registering through the API would cost minutes of password hashing before the
 * measurement starts. The gateway checks each token's session, so viewers must be real users.
 */
async function createUsers(client: pg.Client, like: string, prefix: string, count: number) {
  const users = await client.query<{ id: string; email: string; role: string }>(
    `INSERT INTO accounts.users (id, email, name, role, password_hash, created_at, updated_at)
     SELECT gen_random_uuid(), $2 || '-' || n || '@example.com', 'Bench user ' || n, u.role, u.password_hash, now(), now()
     FROM accounts.users u, generate_series(1, $3::int) n WHERE u.email = $1
     RETURNING id, email, role`,
    [like, prefix, count],
  );
  return Promise.all(
    users.rows.map(async (user) => ({
      ...user,
      token: await signAccessToken({ id: user.id, role: user.role }, TEST_JWT_SECRET),
    })),
  );
}

/** For each of `owners`, an order like `template` (same lines, no payment), in orders' tables directly. */
async function createOrders(client: pg.Client, template: string, owners: readonly string[]) {
  const orders = await client.query<{ id: string; customer_id: string }>(
    `WITH placed AS (
       INSERT INTO orders.orders (id, customer_id, status, total_cents, currency, created_at, updated_at)
       SELECT gen_random_uuid(), owner, o.status, o.total_cents, o.currency, now(), now()
       FROM orders.orders o, unnest($2::uuid[]) owner WHERE o.id = $1::uuid
       RETURNING id, customer_id
     ), lines AS (
       INSERT INTO orders.order_lines (id, order_id, product_id, quantity, unit_price_cents, position)
       SELECT gen_random_uuid(), p.id, l.product_id, l.quantity, l.unit_price_cents, l.position
       FROM placed p, orders.order_lines l WHERE l.order_id = $1::uuid
     )
     SELECT id, customer_id FROM placed`,
    [template, owners],
  );
  return new Map(orders.rows.map((order) => [order.customer_id, order.id]));
}

async function main(): Promise<void> {
  const platform = await startPlatform({
    gatewayEnv: {
      SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER: "100000",
      NODE_OPTIONS: `--expose-gc --require ${join(__dirname, "support", "gcOnSignal.cjs")}`,
    },
  });
  const shared: GatewayProcess = { url: platform.gatewayUrl, pid: platform.services.gateway?.child.pid };
  try {
    // The same gateway with sharing between viewers of one role class off: one execution per viewer.
    const unsharedUrl = await platform.addGateway({ SUBSCRIPTIONS_SHARE_BY_ROLE: "false" });
    const unshared: GatewayProcess = {
      url: unsharedUrl,
      pid: Object.entries(platform.services).find(
        ([name, service]) => name !== "gateway" && unsharedUrl.includes(`:${service.port}/`),
      )?.[1].child.pid,
    };
    const wsOf = (gateway: GatewayProcess) => gateway.url.replace(/^http/, "ws");
    const headers = await platform.login("customer@example.com");
    const token = headers.authorization?.replace(/^Bearer /, "") ?? "";
    const me = await platform.query<{ me: { id: string } }>(/* GraphQL */ "{ me { id } }", {}, headers);
    const products = await platform.query<{ products: { edges: Array<{ node: { id: string } }> } }>(
      /* GraphQL */ "{ products(first: 1) { edges { node { id } } } }",
    );
    const placed = await platform.query<{ placeOrder: { id: string } }>(
      /* GraphQL */ "mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }",
      { p: products.data?.products.edges[0]?.node.id },
      headers,
    );
    const orderId = placed.data?.placeOrder.id ?? "";
    const ownerId = me.data?.me.id ?? "";
    if (!orderId || !ownerId) throw new Error(`set-up failed: ${JSON.stringify(placed)}`);
    await sleep(2_000); // let the order's own saga events pass
    const update = [{ id: orderId, ownerId }];
    const customerEmail = "customer@example.com";

    // Baseline: the same selection as one HTTP query, one after another.
    const queryTimes: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const started = performance.now();
      await platform.query(
        /* GraphQL */ `query($id: ID!) { order(id: $id) { ${SELECTION} } }`,
        { id: orderId },
        headers,
      );
      queryTimes.push(performance.now() - started);
    }
    const queryP50 = percentile(queryTimes, 50);

    const results: Scenario[] = [];
    const record = (scenario: Scenario) => {
      results.push(scenario);
      console.log(JSON.stringify(scenario));
    };
    for (const size of SIZES)
      record(
        await run(
          platform,
          shared,
          { name: "one viewer, `myOrderUpdates`", sharing: "one identity" },
          size,
          () =>
            subscriber(
              wsOf(shared),
              token,
              /* GraphQL */ `subscription { myOrderUpdates { ${SELECTION} } }`,
              {},
              false,
              orderEvent("myOrderUpdates", orderId, customerEmail),
            ),
          update,
        ),
      );
    const db = new pg.Client({ connectionString: platform.database.url });
    await db.connect();
    const staffUsers = await createUsers(
      db,
      "staff@example.com",
      "bench-staff",
      Math.max(...DISTINCT_SIZES, UNSHARED_SIZE),
    );
    const owners = await createUsers(db, "customer@example.com", "bench-owner", OWNER_SIZE);
    const orderOf = await createOrders(
      db,
      orderId,
      owners.map((owner) => owner.id),
    );
    await db.end();
    const staffRow = (gateway: GatewayProcess, sharing: string, size: number) =>
      run(
        platform,
        gateway,
        { name: "distinct staff viewers, `orderStatusChanged`", sharing },
        size,
        (i) =>
          subscriber(
            wsOf(gateway),
            staffUsers[i]?.token ?? "",
            ORDER_STATUS,
            { id: orderId },
            true,
            orderEvent("orderStatusChanged", orderId, customerEmail),
          ),
        update,
      );
    if (UNSHARED_SIZE > 0) record(await staffRow(unshared, "off (one per viewer)", UNSHARED_SIZE));
    for (const size of DISTINCT_SIZES) record(await staffRow(shared, "by role class", size));

    if (OWNER_SIZE > 0)
      record(
        await run(
          platform,
          shared,
          {
            name: `distinct owners, own order each (${OWNER_SIZE.toLocaleString("en")} updates per round)`,
            sharing: "by role class (answers depend on identity)",
          },
          owners.length,
          (i) => {
            const owner = owners[i];
            const own = owner && orderOf.get(owner.id);
            if (!owner || !own) throw new Error(`no order for owner ${i}`);
            return subscriber(
              wsOf(shared),
              owner.token,
              ORDER_STATUS,
              { id: own },
              true,
              orderEvent("orderStatusChanged", own, owner.email),
            );
          },
          owners.map((owner) => ({ id: orderOf.get(owner.id) ?? "", ownerId: owner.id })),
        ),
      );

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const ms = (value: number) => `${Math.round(value)} ms`;
    const off = results.find((r) => r.sharing.startsWith("off"));
    const onSame = results.find((r) => r.sharing === "by role class" && r.subscribers === off?.subscribers);
    const onLargest = results.filter((r) => r.sharing === "by role class").at(-1);
    const table = [
      `# Subscription fan-out (${new Date().toISOString().slice(0, 10)}, ${ROUNDS} events per row, one gateway process per row, 2 shared cores)`,
      "",
      "One live update published on Redis -> the gateway's one subscriber connection -> federated execution (orders, accounts, catalog, payments) -> every matching subscriber. Latency: publish -> message received by the client; every message is checked (the subscriber's order and customer, no errors). Orders executions and gateway CPU per round: from the orders subgraph's `subgraph_operations_total` and the gateway's `process_cpu_seconds_total`. Memory: gateway RSS and V8 heap growth per idle connection with one subscription.",
      "",
      "| scenario | subscribers | sharing between viewers | orders executions per round | gateway CPU per round | delivered | p50 | p99 | max | RSS per connection | heap per connection |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.subscribers.toLocaleString("en")} | ${r.sharing} | ${r.ordersPerRound.toLocaleString("en")} | ${ms(r.cpuPerRound)} | ${r.delivered} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${kb(r.rssPerConnection)} | ${kb(r.heapPerConnection)} |`,
      ),
      "",
      `Baseline: the same selection as one HTTP query through the gateway, p50 ${ms(queryP50)} (20 in a row, same run). Delivery p50 / query p50: ${results.map((r) => `${r.subscribers.toLocaleString("en")} ${r.name.split(",")[0]} (${r.sharing}) ${(r.p50 / queryP50).toFixed(1)}x`).join(", ")}.`,
      off && onSame
        ? `Distinct staff viewers at ${off.subscribers.toLocaleString("en")}, sharing by role class / off: p99 ${(onSame.p99 / off.p99).toFixed(2)}x, gateway CPU per round ${(onSame.cpuPerRound / off.cpuPerRound).toFixed(2)}x, orders executions per round ${onSame.ordersPerRound} vs ${off.ordersPerRound}.`
        : "",
      onLargest
        ? `Target (issue 25): ${onLargest.subscribers.toLocaleString("en")} distinct viewers, p99 <= 2 s: ${ms(onLargest.p99)} (${onLargest.p99 <= 2_000 ? "met" : "not met"}).`
        : "",
      "Targets: 5,000 subscribers with p99 under 1 s, under 50 KB per idle connection.",
      `Load average when the run ended (the 2 cores are shared with other work): ${loadavg()
        .map((v) => v.toFixed(1))
        .join(", ")}.`,
      "",
    ].join("\n");
    console.log(table);
    writeFileSync(join(__dirname, "results", "subscriptions.md"), table);
  } catch (error) {
    // What the processes said went wrong, beside the bench's own error.
    for (const line of platform
      .logs()
      .filter((text) => /"level":(40|50|60)/.test(text))
      .slice(-20))
      console.error(line);
    throw error;
  } finally {
    await platform.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
