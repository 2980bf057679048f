/**
 * Subscription fan-out benchmark: N graphql-ws subscribers on one gateway process, one live
 * update published on Redis (as a producer does after its commit), delivered to all of them
 * through the federated execution. Scenarios side by side in one run:
 * - one viewer (N tabs of one customer, `myOrderUpdates`): one shared execution per event;
 * - distinct viewers (N staff users watching one order): one execution per subscriber per event.
 * Reports delivery latency (publish -> message parsed by the client) and the gateway's memory per
 * idle connection. Prints a markdown table and writes it to bench/results/subscriptions.md.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createRedis } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { TEST_JWT_SECRET } from "@fedplat/devkit";
import { startPlatform, type Platform } from "@fedplat/tests";
import WebSocket from "ws";

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? "1000,5000").split(",").map(Number);
const DISTINCT_SIZE = Number(process.env.BENCH_DISTINCT_SUBSCRIBERS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SELECTION = "id status customer { email } lines { quantity product { name } } payment { state }";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

let gatewayPid: number | undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A raw graphql-transport-ws subscriber (lighter than a full client, so thousands fit in this process). */
interface Subscriber {
  socket: WebSocket;
  /** Time each `next` arrived, by sequence of arrival. */
  received: number[];
  ready: Promise<void>;
}

function subscriber(
  wsUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  waitForFirst: boolean,
): Subscriber {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const received: number[] = [];
  let first = !waitForFirst;
  const ready = new Promise<void>((resolve, reject) => {
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
        if (first) resolve();
      } else if (message.type === "next") {
        if (!first) {
          first = true;
          resolve();
        } else received.push(performance.now());
      } else if (message.type === "error") reject(new Error(JSON.stringify(message.payload)));
    });
    socket.on("close", (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
    socket.on("error", reject);
  });
  return { socket, received, ready };
}

/** The gateway's memory after a full GC (see support/gcOnSignal.cjs) and its active subscriptions. */
async function gaugesOf(gatewayUrl: string, collect = false): Promise<{ rss: number; heap: number; active: number }> {
  if (collect && gatewayPid) {
    process.kill(gatewayPid, "SIGUSR2");
    await sleep(1_000);
  }
  const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, "/metrics"))).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    rss: read("process_resident_memory_bytes"),
    heap: read("nodejs_heap_size_used_bytes"),
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
  executionsPerEvent: string;
  p50: number;
  p99: number;
  max: number;
  delivered: string;
  rssPerConnection: number;
  heapPerConnection: number;
}

async function run(
  platform: Platform,
  name: string,
  count: number,
  makeSubscriber: (i: number) => Promise<Subscriber>,
  update: { id: string; ownerId: string },
  executionsPerEvent: string,
): Promise<Scenario> {
  const { gatewayUrl } = platform;
  await sleep(2_000);
  const before = await gaugesOf(gatewayUrl, true);
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, count - i) }, (_, j) => makeSubscriber(i + j)));
    await Promise.all(batch.map((s) => s.ready));
    subscribers.push(...batch);
  }
  await until(async () => (await gaugesOf(gatewayUrl)).active >= count, 120_000, `${count} active subscriptions`);
  const idle = await gaugesOf(gatewayUrl, true);

  const redis = createRedis(process.env.REDIS_URL ?? redisUrl, "bench-subscriptions");
  const latencies: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const counts = subscribers.map((s) => s.received.length);
    const publishedAt = performance.now();
    await redis.publish(platform.liveUpdatesChannel, JSON.stringify({ typename: "Order", ...update }));
    await until(
      async () => subscribers.every((s, i) => s.received.length > (counts[i] ?? 0)),
      60_000,
      `round ${round} delivered to all`,
    );
    for (const [i, s] of subscribers.entries())
      latencies.push((s.received[counts[i] ?? 0] ?? Number.NaN) - publishedAt);
    await sleep(500);
  }
  await redis.quit();
  for (const s of subscribers) s.socket.close();
  await until(async () => (await gaugesOf(gatewayUrl)).active === 0, 60_000, "subscriptions released");
  return {
    name,
    subscribers: count,
    executionsPerEvent,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    delivered: `${latencies.length}/${count * ROUNDS}`,
    rssPerConnection: (idle.rss - before.rss) / count,
    heapPerConnection: (idle.heap - before.heap) / count,
  };
}

async function main(): Promise<void> {
  const platform = await startPlatform({
    gatewayEnv: {
      SUBSCRIPTIONS_MAX_CONNECTIONS_PER_USER: "100000",
      NODE_OPTIONS: `--expose-gc --require ${join(__dirname, "support", "gcOnSignal.cjs")}`,
    },
  });
  gatewayPid = platform.services.gateway?.child.pid;
  try {
    const wsUrl = platform.gatewayUrl.replace(/^http/, "ws");
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
    for (const size of SIZES) {
      results.push(
        await run(
          platform,
          "one viewer, `myOrderUpdates`",
          size,
          async () =>
            subscriber(wsUrl, token, /* GraphQL */ `subscription { myOrderUpdates { ${SELECTION} } }`, {}, false),
          { id: orderId, ownerId },
          "1 (shared)",
        ),
      );
      console.log(JSON.stringify(results.at(-1)));
    }
    const staffTokens = await Promise.all(
      Array.from({ length: DISTINCT_SIZE }, () =>
        signAccessToken({ id: randomUUID(), role: "STAFF" }, TEST_JWT_SECRET),
      ),
    );
    results.push(
      await run(
        platform,
        "distinct staff viewers, `orderStatusChanged`",
        DISTINCT_SIZE,
        async (i) =>
          subscriber(
            wsUrl,
            staffTokens[i] ?? "",
            /* GraphQL */ `subscription($id: ID!) { orderStatusChanged(orderId: $id) { ${SELECTION} } }`,
            { id: orderId },
            true,
          ),
        { id: orderId, ownerId },
        "1 per subscriber",
      ),
    );
    console.log(JSON.stringify(results.at(-1)));

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const ms = (value: number) => `${Math.round(value)} ms`;
    const shared = results.find((r) => r.subscribers === DISTINCT_SIZE && r.executionsPerEvent.startsWith("1 ("));
    const distinct = results.at(-1);
    const table = [
      `# Subscription fan-out (${new Date().toISOString().slice(0, 10)}, ${ROUNDS} events per row, one gateway process, 2 shared cores)`,
      "",
      "One live update published on Redis -> the gateway's one subscriber connection -> federated execution (orders, accounts, catalog, payments) -> every matching subscriber. Latency: publish -> message received by the client. Memory: gateway RSS and V8 heap growth per idle connection with one subscription.",
      "",
      "| scenario | subscribers | executions per event | delivered | p50 | p99 | max | RSS per connection | heap per connection |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|",
      ...results.map(
        (r) =>
          `| ${r.name} | ${r.subscribers.toLocaleString("en")} | ${r.executionsPerEvent} | ${r.delivered} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${kb(r.rssPerConnection)} | ${kb(r.heapPerConnection)} |`,
      ),
      "",
      `Baseline: the same selection as one HTTP query through the gateway, p50 ${ms(queryP50)} (20 in a row, same run). Delivery p50 / query p50: ${results.map((r) => `${r.subscribers.toLocaleString("en")} ${r.executionsPerEvent === "1 (shared)" ? "shared" : "distinct"} ${(r.p50 / queryP50).toFixed(1)}x`).join(", ")}.`,
      shared && distinct
        ? `Distinct viewers / one viewer at ${DISTINCT_SIZE.toLocaleString("en")} subscribers: p99 ${(distinct.p99 / shared.p99).toFixed(1)}x.`
        : "",
      "Targets: 5,000 subscribers with p99 under 1 s, under 50 KB per idle connection.",
      `Load average when the run ended (the 2 cores are shared with other work): ${loadavg()
        .map((v) => v.toFixed(1))
        .join(", ")}.`,
      "",
    ].join("\n");
    console.log(table);
    writeFileSync(join(__dirname, "results", "subscriptions.md"), table);
  } finally {
    await platform.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
