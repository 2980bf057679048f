import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger, createMetrics, createRedis, type Redis, type ServiceMetrics } from "@fedplat/runtime";
import { signAccessToken } from "@fedplat/auth";
import { bearer, graphqlRequest, repoRoot, TEST_GATEWAY_KEY, TEST_JWT_SECRET } from "@fedplat/devkit";
import {
  accountsIdentity,
  buildGateway,
  type DemandControlOptions,
  defaultLimits,
  type GatewayLimits,
  type GatewayServer,
} from "../src";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");

let redis: Redis;
const running: GatewayServer[] = [];

/** A gateway whose subgraphs are all unreachable: every limit must act before any subgraph call. */
async function gatewayWith(
  limits: Partial<GatewayLimits> = {},
  production = false,
  demandControl?: DemandControlOptions,
  metrics?: ServiceMetrics,
): Promise<string> {
  const down = "http://127.0.0.1:9/graphql";
  const server = await buildGateway({
    supergraphSdl,
    subgraphUrls: { ACCOUNTS: down, CATALOG: down, ORDERS: down, PAYMENTS: down, NOTIFICATIONS: down },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    logger: createLogger("limits-test", "silent"),
    production,
    demandControl,
    metrics,
    limits: {
      ...defaultLimits,
      ...limits,
      rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}`, ...limits.rate },
    },
  });
  running.push(server);
  return `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}/graphql`;
}

let url: string;
beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "limits-test");
  url = await gatewayWith();
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  await redis?.quit();
});

const nest = (levels: number) =>
  /* GraphQL */ `{ me { ${"orders(first: 1) { customer { ".repeat(levels)}id${" } }".repeat(levels)} } }`;

describe("query limits (before any subgraph is called)", () => {
  it.each([
    ["too deep", nest(5), "Query depth limit of 10 exceeded"],
    [
      "too many aliases",
      `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: product(id: "1") { id }`).join(" ")} }`,
      "Aliases limit of 15 exceeded",
    ],
    [
      "too many root fields",
      `{ ${Array.from({ length: 11 }, (_, i) => `f${i}: products(first: 1) { totalCount }`).join(" ")} }`,
      "root fields",
    ],
    [
      "too many directives",
      /* GraphQL */ `{ products @skip(if: false) ${"@include(if: true) ".repeat(60)} { totalCount } }`,
      "Directives limit of 50 exceeded",
    ],
  ])("rejects a query that is %s with 400", async (_name, query, message) => {
    const res = await graphqlRequest(url, query);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toContain(message);
  });

  it("refuses an operation whose estimated cost (@listSize) is over the limit, with no subgraph call", async () => {
    const metrics = createMetrics("gateway");
    const costly = await gatewayWith({}, false, { mode: "enforce", maxCost: 300, defaultListSize: 10 }, metrics);
    // Each alias: products 1 + 100 edges x (edge 1 + node 1), priced by products' @listSize(slicingArguments: ["first"]).
    const query = `{ ${Array.from({ length: 2 }, (_, i) => `p${i}: products(first: 100) { edges { node { id sku name priceCents } } }`).join(" ")} }`;
    const res = await graphqlRequest(costly, query);
    expect(res.status).toBe(200);
    expect(res.errors?.[0]).toMatchObject({
      message: "Operation estimated cost 402 exceeds the limit of 300",
      extensions: { code: "COST_ESTIMATED_TOO_EXPENSIVE", cost: { estimated: 402, max: 300 } },
    });
    expect(await metrics.registry.getSingleMetricAsString("gateway_operation_cost_estimated")).toMatch(
      /gateway_operation_cost_estimated_count\{service="gateway",operation_type="query",result="too_expensive"\} 1/,
    );
  });

  it("only measures in measure mode: the same operation goes on to the subgraphs", async () => {
    const metrics = createMetrics("gateway");
    const measuring = await gatewayWith({}, false, { mode: "measure", maxCost: 300, defaultListSize: 10 }, metrics);
    const res = await graphqlRequest(
      measuring,
      /* GraphQL */ "{ products(first: 100) { edges { node { id } } } a: products(first: 100) { edges { node { id } } } }",
    );
    // Its subgraph is down here: the error says it was called.
    expect(res.errors?.[0]?.extensions?.code).not.toBe("COST_ESTIMATED_TOO_EXPENSIVE");
    expect(await metrics.registry.getSingleMetricAsString("gateway_operation_cost_estimated")).toMatch(
      /gateway_operation_cost_estimated_sum\{service="gateway",operation_type="query",result="measured_over"\} 402/,
    );
  });

  it("rejects a document with too many tokens before parsing it", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ `{ __typename ${"__typename ".repeat(2_100)}}`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({
      message: "The document has more than 2000 tokens",
      extensions: { code: "QUERY_TOO_LARGE" },
    });
  });

  it("rejects a fragment bomb and a fragment cycle in linear time, before validation", async () => {
    const bomb = /* GraphQL */ `query { ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { __typename ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F40 on Query { __typename }`;
    const started = Date.now();
    const res = await graphqlRequest(url, bomb);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({
      message: "The document expands to more than 5000 fields",
      extensions: { code: "QUERY_TOO_COMPLEX" },
    });
    const cycle = await graphqlRequest(
      url,
      /* GraphQL */ "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
    );
    expect(cycle.status).toBe(400);
    expect(cycle.errors?.[0]?.message).toMatch(/spreads itself/);
  });

  it("rejects variables nested deeper than 32 levels without overflowing the stack", async () => {
    const body = `{"query":"query($s: String) { products(search: $s) { totalCount } }","variables":{"s":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}}`;
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "VARIABLES_TOO_DEEP" } }] });
  });

  it("rejects oversized variables with 413", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ "query($s: String) { products(search: $s) { totalCount } }", {
      s: "x".repeat(70_000),
    });
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions?.code).toBe("VARIABLES_TOO_LARGE");
  });

  it("rejects batched requests while batching is disabled, and over-long batches when enabled", async () => {
    const batch = (n: number) =>
      JSON.stringify(Array.from({ length: n }, () => ({ query: /* GraphQL */ "{ __typename }" })));
    const disabled = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: batch(2),
    });
    expect(disabled.status).toBe(400);
    expect(await disabled.json()).toMatchObject({
      errors: [{ message: "Batched requests are disabled", extensions: { code: "BATCH_LIMIT_EXCEEDED" } }],
    });

    const batching = await gatewayWith({ request: { ...defaultLimits.request, maxBatch: 3 } });
    const ok = await fetch(batching, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: batch(3),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([
      { data: { __typename: "Query" } },
      { data: { __typename: "Query" } },
      { data: { __typename: "Query" } },
    ]);
    const tooMany = await fetch(batching, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: batch(4),
    });
    expect(tooMany.status).toBe(400);
  });

  it("does not suggest field names, so typos cannot map a hidden schema", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ "{ prodcts { totalCount } }");
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });
});

describe("rate limits (shared in Redis)", () => {
  it("answers the 4th anonymous request of a minute with 429 and Retry-After", async () => {
    const limited = await gatewayWith({ rate: { ...defaultLimits.rate, anonymousPerMinute: 3 } });
    for (let i = 0; i < 3; i++)
      expect((await graphqlRequest(limited, /* GraphQL */ "{ __typename }")).status).toBe(200);
    const response = await fetch(limited, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: /* GraphQL */ "{ __typename }" }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "RATE_LIMITED" } }] });
  });

  it("counts each user separately from the IP, and shares counts across gateway replicas", async () => {
    const keyPrefix = `test:${randomUUID()}`;
    const rate = { ...defaultLimits.rate, anonymousPerMinute: 2, userPerMinute: 2, keyPrefix };
    const [replicaA, replicaB] = await Promise.all([gatewayWith({ rate }), gatewayWith({ rate })]);
    const alice = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
    const bob = bearer(await signAccessToken({ id: randomUUID(), role: "CUSTOMER" }, TEST_JWT_SECRET));
    expect((await graphqlRequest(replicaA, /* GraphQL */ "{ __typename }", {}, alice)).status).toBe(200);
    expect((await graphqlRequest(replicaB, /* GraphQL */ "{ __typename }", {}, alice)).status).toBe(200);
    expect((await graphqlRequest(replicaA, /* GraphQL */ "{ __typename }", {}, alice)).status).toBe(429); // third, on either replica
    expect((await graphqlRequest(replicaB, /* GraphQL */ "{ __typename }", {}, bob)).status).toBe(200);
    expect((await graphqlRequest(replicaB, /* GraphQL */ "{ __typename }")).status).toBe(200); // anonymous budget untouched
  });
});

describe("production hardening", () => {
  it("refuses introspection in production and allows it in development", async () => {
    const production = await gatewayWith({}, true);
    const prod = await graphqlRequest(production, /* GraphQL */ "{ __schema { types { name } } }");
    expect(prod.status).toBe(400);
    expect(prod.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
    const dev = await graphqlRequest(url, /* GraphQL */ "{ __schema { queryType { name } } }");
    expect(dev.data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("blocks simple GET requests that could be cross-site (CSRF prevention)", async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent(/* GraphQL */ "{ __typename }")}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
    const preflighted = await fetch(`${url}?query=${encodeURIComponent(/* GraphQL */ "{ __typename }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(preflighted.status).toBe(200);
  });
});
