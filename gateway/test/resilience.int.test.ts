import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { signAccessToken } from "@fedplat/auth";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createLogger, createMetrics, createRedis, type Redis } from "@fedplat/runtime";
import {
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  type TestSubgraph,
} from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { defaultResilience } from "../src/features/resilience";
import { type Link, openLink } from "./tcpLink";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const RESET_MS = 1_500;

let redis: Redis;
let catalog: TestSubgraph<CatalogPrisma>;
let gateway: GatewayServer;
let base: string;
let link: Link;
/** Accepts connections to "orders" and drops them at once, counting them. */
let dropper: net.Server;
let dropped = 0;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "resilience-test");
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer });
  link = await openLink(new URL(catalog.url));
  dropper = net.createServer((socket) => {
    dropped += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
  gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: {
      CATALOG: link.url,
      ORDERS: `http://127.0.0.1:${(dropper.address() as net.AddressInfo).port}/graphql`,
    },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("resilience-test", "silent"),
    metrics: createMetrics("gateway"),
    subgraphTimeoutMs: 3_000,
    // the brief's policy, with a short half-open delay so the test does not wait 30 s
    resilience: {
      ...defaultResilience,
      errorThresholdPercent: 50,
      windowMs: 60_000,
      resetMs: RESET_MS,
      minRequests: 3,
      queryRetries: 1,
    },
  });
  base = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await gateway?.close();
  await link?.cut();
  await new Promise((resolve) => dropper?.close(resolve));
  await catalog?.stop();
  await redis?.quit();
});

const PRODUCTS = /* GraphQL */ "query Products { products(first: 2) { totalCount } }";
const ready = async () =>
  (await fetch(`${base}/health/ready`)).json() as Promise<{ status: string; subgraphs: Record<string, string> }>;
const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);

describe("a subgraph that goes down and comes back", () => {
  it("opens its circuit after half the fetches fail, answers fast while open, reports it in readiness, and closes again once the subgraph answers", async () => {
    const ok = await graphqlRequest<{ products: { totalCount: number } }>(`${base}/graphql`, PRODUCTS);
    expect(ok.data?.products.totalCount).toBe(200);
    await link.cut();

    // failures below the minimum volume: each a named error, the circuit still closed
    const down = await graphqlRequest(`${base}/graphql`, PRODUCTS);
    expect(down.errors?.[0]).toMatchObject({
      message: 'Subgraph "catalog" is unavailable',
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" },
    });
    expect((await ready()).subgraphs.catalog).toBe("closed");
    await graphqlRequest(`${base}/graphql`, PRODUCTS);

    // Each of the two queries was sent twice (one retry after the refused connection), but counts
    // once in the circuit: 2 failed fetches of 3, over the 50% threshold: open. The gateway stays ready (it serves everything else) and says which circuit is open.
    expect(await ready()).toMatchObject({ status: "ready", subgraphs: { catalog: "open", accounts: "closed" } });
    const fast = await graphqlRequest(`${base}/graphql`, PRODUCTS);
    expect(fast.errors?.[0]).toMatchObject({
      message: 'Subgraph "catalog" is unavailable (circuit open)',
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" },
    });
    expect(await metric(/^gateway_subgraph_circuit_state\{[^}]*subgraph="catalog"[^}]*\} (\d+)$/m)).toBe(2);
    expect(
      await metric(
        /^gateway_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="catalog",outcome="circuit_open"[^}]*\} (\d+)$/m,
      ),
    ).toBeGreaterThanOrEqual(1);

    // back on the same port; after the reset delay one probe goes through and closes the circuit
    await link.restore();
    const deadline = Date.now() + 20_000;
    let res = await graphqlRequest<{ products: { totalCount: number } }>(`${base}/graphql`, PRODUCTS);
    while (res.errors && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      res = await graphqlRequest<{ products: { totalCount: number } }>(`${base}/graphql`, PRODUCTS);
    }
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBe(200);
    expect((await ready()).subgraphs.catalog).toBe("closed");
  });

  it("counts operations by name and outcome, with their latency", async () => {
    const before = await metric(/^gateway_operations_total\{[^}]*operation="Products",outcome="ok"[^}]*\} (\d+)$/m);
    await graphqlRequest(`${base}/graphql`, PRODUCTS);
    await graphqlRequest(`${base}/graphql`, PRODUCTS);
    expect(await metric(/^gateway_operations_total\{[^}]*operation="Products",outcome="ok"[^}]*\} (\d+)$/m)).toBe(
      before + 2,
    );
    expect(
      await metric(/^gateway_operation_duration_seconds_count\{[^}]*operation="Products",outcome="ok"[^}]*\} (\d+)$/m),
    ).toBe(before + 2);
  });
});

describe("retries", () => {
  it("sends a query again after a dropped connection, but never a mutation", async () => {
    // orders' fields are @authenticated: a signed-in customer, so the gateway sends them on.
    const customer = {
      authorization: `Bearer ${await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET)}`,
    };
    dropped = 0;
    const query = await graphqlRequest(
      `${base}/graphql`,
      /* GraphQL */ "{ orders(first: 1) { totalCount } }",
      {},
      customer,
    );
    expect(query.errors?.[0]).toMatchObject({ extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "orders" } });
    expect(dropped).toBe(2);

    dropped = 0;
    const mutation = await graphqlRequest(
      `${base}/graphql`,
      /* GraphQL */ 'mutation { placeOrder(input: { lines: [{ productId: "p", quantity: 1 }] }) { id } }',
      {},
      customer,
    );
    expect(mutation.errors?.[0]).toMatchObject({ extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "orders" } });
    expect(dropped).toBe(1);
  });
});

describe("a subgraph that answers 503 a few times", () => {
  it("is retried until it answers: the client gets data, the retries are counted by reason", async () => {
    // In front of catalog: the first FAILURES requests are answered 503, the rest are forwarded.
    const FAILURES = 2;
    let received = 0;
    const flaky = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        received += 1;
        if (received <= FAILURES) {
          res.writeHead(503, { "content-type": "application/json" }).end('{"errors":[{"message":"restarting"}]}');
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
        ) as Record<string, string>;
        const answer = await fetch(catalog.url, { method: "POST", headers, body: Buffer.concat(chunks) });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const retrying = await buildGateway({
      supergraphSdl,
      subgraphUrls: { CATALOG: `http://127.0.0.1:${(flaky.address() as net.AddressInfo).port}/graphql` },
      identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
      signingKey: TEST_GATEWAY_KEY,
      redis,
      limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
      logger: createLogger("resilience-test", "silent"),
      metrics: createMetrics("gateway"),
      resilience: { ...defaultResilience, queryRetries: 3 },
    });
    try {
      const url = `http://127.0.0.1:${await retrying.listen(0, "127.0.0.1")}`;
      const res = await graphqlRequest<{ products: { totalCount: number } }>(`${url}/graphql`, PRODUCTS);
      expect(res.errors).toBeUndefined();
      expect(res.data?.products.totalCount).toBe(200);
      expect(received).toBe(FAILURES + 1);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^gateway_subgraph_retries_total\{[^}]*subgraph="catalog",reason="http_503"[^}]*\} 2$/m);
    } finally {
      await retrying.close();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});

describe("per-subgraph timeouts", () => {
  it("gives up on a subgraph after its own timeout, naming it", async () => {
    // accepts connections and never answers
    const hanging = net.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const slow = await buildGateway({
      supergraphSdl,
      subgraphUrls: { CATALOG: `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}/graphql` },
      identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
      signingKey: TEST_GATEWAY_KEY,
      redis,
      limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
      logger: createLogger("resilience-test", "silent"),
      subgraphTimeoutMs: 30_000,
      subgraphTimeoutsMs: { CATALOG: 300 },
    });
    try {
      const url = `http://127.0.0.1:${await slow.listen(0, "127.0.0.1")}/graphql`;
      const res = await graphqlRequest(url, PRODUCTS);
      expect(res.errors?.[0]).toMatchObject({
        message: 'Subgraph "catalog" did not answer within 300 ms',
        extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "catalog" },
      });
    } finally {
      await slow.close();
      hanging.close();
    }
  });
});
