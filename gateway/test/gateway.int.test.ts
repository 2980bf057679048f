import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type AccountsPrisma, buildAccountsServer, createAccountsPrisma } from "@fedplat/accounts";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { type AdminListener, createFieldCipher, createLogger, createRedis, type Redis } from "@fedplat/runtime";
import {
  bearer,
  graphqlRequest,
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_ORDERS_SERVICE_KEY,
  TEST_JWT_SECRET,
  TEST_PII_KEYS,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { randomUUID } from "node:crypto";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "../src";
import { supergraphHash } from "../src/supergraph";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
/** Nothing listens on port 9 (discard): the subgraphs routed there are "down". */
const DOWN = "http://127.0.0.1:9/graphql";

let redis: Redis;
let accounts: TestSubgraph<AccountsPrisma>;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let gateway: GatewayServer;
let url: string;
/** Accepts connections and never answers: notifications "hangs". */
let hanging: Server;
let hangingUrl: string;
let customer: TestViewer;
/** What a client sends the gateway: its access token. */
let customerAuth: Record<string, string>;

async function startGateway(
  production: boolean,
  admin?: AdminListener,
): Promise<{ server: GatewayServer; url: string }> {
  const server = await buildGateway({
    supergraphSdl,
    subgraphUrls: {
      ACCOUNTS: accounts.url,
      CATALOG: catalog.url,
      ORDERS: orders.url,
      PAYMENTS: DOWN,
      NOTIFICATIONS: hangingUrl,
    },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger: createLogger("gateway-test", "silent"),
    production,
    // Generous for subgraphs that answer (a cold first request on a loaded machine is slow); the
    // hanging one gets its own short deadline.
    subgraphTimeoutMs: 20_000,
    subgraphTimeoutsMs: { NOTIFICATIONS: 3_000 },
    apiKeyCacheMs: 100,
    admin,
  });
  const port = await server.listen(0, "127.0.0.1");
  return { server, url: `http://127.0.0.1:${port}/graphql` };
}

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "gateway-test");
  hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`;
  accounts = await startTestSubgraph({
    createPrisma: createAccountsPrisma,
    build: (deps) =>
      buildAccountsServer({ ...deps, jwtSecret: TEST_JWT_SECRET, cipher: createFieldCipher(TEST_PII_KEYS, "test1") }),
  });
  catalog = await startTestSubgraph({
    createPrisma: createCatalogPrisma,
    build: buildCatalogServer,
    database: accounts.database,
  });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database: accounts.database,
  });
  ({ server: gateway, url } = await startGateway(false));
  customer = await accounts.viewer("customer");
  customerAuth = bearer(customer.token);
});
afterAll(async () => {
  await gateway?.close();
  await orders?.stop();
  await catalog?.stop();
  await accounts?.stop();
  hanging?.closeAllConnections();
  hanging?.close();
  await redis?.quit();
});

describe("federated queries", () => {
  it("joins orders with their customer (accounts) and products (catalog), forwarding identity", async () => {
    const res = await graphqlRequest<{
      me: { email: string };
      orders: {
        edges: Array<{
          node: { customer: { email: string }; lines: Array<{ product: { name: string; sku: string } }> };
        }>;
      };
    }>(
      url,
      /* GraphQL */ "{ me { email } orders(first: 5) { edges { node { customer { email } lines { product { name sku } } } } } }",
      {},
      customerAuth,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.me.email).toBe("customer@example.com");
    const nodes = res.data?.orders.edges.map((edge) => edge.node) ?? [];
    expect(nodes).toHaveLength(5);
    for (const node of nodes) {
      expect(node.customer.email).toBe("customer@example.com");
      for (const line of node.lines) expect(line.product.sku).toMatch(/^SKU-\d{5}$/);
    }
  });

  it("returns partial data and an error naming the subgraph that is down, without its URL", async () => {
    const res = await graphqlRequest<{
      orders: { edges: Array<{ node: { id: string; status: string; payment: null } }> };
    }>(url, /* GraphQL */ "{ orders(first: 3) { edges { node { id status payment { state } } } } }", {}, customerAuth);
    expect(res.status).toBe(200);
    expect(res.data?.orders.edges).toHaveLength(3);
    expect(res.data?.orders.edges.every((edge) => edge.node.status && edge.node.payment === null)).toBe(true);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Subgraph "payments" is unavailable',
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "payments" },
    });
    expect(JSON.stringify(res)).not.toContain("127.0.0.1:9");
  });

  it("gives up on a subgraph that does not answer within the timeout, naming it", async () => {
    const started = Date.now();
    const res = await graphqlRequest<{ me: null }>(
      url,
      /* GraphQL */ "{ me { email notifications(first: 1) { template } } }",
      {},
      customerAuth,
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Subgraph "notifications" did not answer within 3000 ms',
      extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "notifications" },
    });
  });

  // Signed in, so past the gateway's @authenticated; another user's profile is for accounts' rules to refuse.
  it("passes a subgraph's own error code through (FORBIDDEN)", async () => {
    const admin = await accounts.viewer("admin");
    const res = await graphqlRequest(
      url,
      /* GraphQL */ "query($id: ID!) { user(id: $id) { email } }",
      { id: admin.id },
      customerAuth,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", serviceName: "accounts" });
  });
});

describe("API keys", () => {
  it("accepts a key an admin issued, with the key's role, until the key is revoked", async () => {
    const admin = bearer((await accounts.viewer("admin")).token);
    const created = await graphqlRequest<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      url,
      'mutation { createApiKey(input: { name: "partner", role: STAFF }) { key apiKey { id } } }',
      {},
      admin,
    );
    const key = created.data?.createApiKey.key ?? "";
    const asKey = await graphqlRequest<{ users: { totalCount: number } }>(
      url,
      /* GraphQL */ "{ users { totalCount } }",
      {},
      { "x-api-key": key },
    );
    expect(asKey.errors).toBeUndefined();
    expect(asKey.data?.users.totalCount).toBeGreaterThanOrEqual(50);
    const notAdmin = await graphqlRequest(url, /* GraphQL */ "{ apiKeys { id } }", {}, { "x-api-key": key });
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe("UNAUTHORIZED_FIELD_OR_TYPE");

    await graphqlRequest(
      url,
      /* GraphQL */ "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
      { id: created.data?.createApiKey.apiKey.id },
      admin,
    );
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline)
      status = (await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": key })).status;
    expect(status).toBe(401);
  });

  it("rejects an unknown key with 401, and a request carrying both a key and a token with 400", async () => {
    const unknown = await graphqlRequest(url, /* GraphQL */ "{ __typename }", {}, { "x-api-key": "fpk_nope" });
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]).toMatchObject({
      message: "Invalid, revoked or expired API key",
      extensions: { code: "UNAUTHENTICATED" },
    });
    const both = await graphqlRequest(
      url,
      /* GraphQL */ "{ __typename }",
      {},
      { "x-api-key": "fpk_nope", ...customerAuth },
    );
    expect(both.status).toBe(400);
  });

  it("never exposes the gateway-only key look-up in the public graph", async () => {
    const res = await graphqlRequest(url, '{ apiKeyPrincipal(key: "fpk_x") { id } }');
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("bad requests", () => {
  it("answers a syntax error with 400 GRAPHQL_PARSE_FAILED", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ "{ orders { ");
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("answers an unknown field with 400 GRAPHQL_VALIDATION_FAILED", async () => {
    const res = await graphqlRequest(url, /* GraphQL */ "{ nope }");
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("answers a body that is not JSON with a JSON 400 and no stack trace", async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: /* GraphQL */ "{not json",
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).not.toMatch(/at \w+ \(|node_modules/);
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: "Request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }],
    });
  });

  it("answers a body over 1 MB with 413", async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: /* GraphQL */ `{ me { id } } #${"x".repeat(1_100_000)}` }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ message: string }> }).errors[0]?.message).toBe(
      "Request body is too large",
    );
  });

  it("answers a forged or expired token with 401 UNAUTHENTICATED before any subgraph is called", async () => {
    const before = accounts.statements();
    const res = await graphqlRequest(url, /* GraphQL */ "{ me { id } }", {}, { authorization: "Bearer not.a.token" });
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(accounts.statements()).toBe(before);
  });
});

describe("landing page and health", () => {
  it("serves Apollo Sandbox to a browser in development", async () => {
    const response = await fetch(url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain("EmbeddedSandbox");
    expect(html).toContain("embeddable-sandbox.cdn.apollographql.com");
    // offline, the page falls back to the bundled explorer: a link, and a script of this origin (Sandbox's CSP allows 'self')
    expect(html).toContain('<a href="/graphiql">Open GraphiQL</a>');
    expect(html).toContain('<script src="/graphiql/assets/sandbox-fallback.js"></script>');
    const fallback = await fetch(new URL("/graphiql/assets/sandbox-fallback.js", url));
    expect(fallback.status).toBe(200);
    expect(await fallback.text()).toContain('window.location.replace("/graphiql")');
  });

  it("serves GraphiQL at /graphiql from its own files only: the page, the npm packages' browser builds, nothing else", async () => {
    const page = await fetch(new URL("/graphiql", url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(assets.sort()).toEqual(
      [
        "explorer.js",
        "graphiql.min.css",
        "graphiql.min.js",
        "graphql-ws.min.js",
        "react-dom.production.min.js",
        "react.production.min.js",
      ].map((name) => `/graphiql/assets/${name}`),
    );
    for (const asset of assets) {
      const response = await fetch(new URL(asset, url));
      expect([asset, response.status]).toEqual([asset, 200]);
      expect(await response.text()).not.toMatch(/https:\/\/(unpkg\.com|cdn\.jsdelivr\.net|esm\.sh)\//);
    }
    for (const path of [
      "/graphiql/assets/package.json",
      "/graphiql/assets/__proto__",
      "/graphiql/assets/..%2Fpackage.json",
    ])
      expect([path, (await fetch(new URL(path, url))).status]).toEqual([path, 404]);
  });

  it("serves no landing page and no explorer in production", async () => {
    const production = await startGateway(true);
    try {
      const response = await fetch(production.url, { headers: { accept: "text/html" } });
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain("Sandbox");
      expect((await fetch(new URL("/graphiql", production.url))).status).toBe(404);
    } finally {
      await production.server.close();
    }
  });

  it("in production serves /metrics and health on the admin port, and not on the public one", async () => {
    const production = await startGateway(true, { port: 0, host: "127.0.0.1" });
    const publicBase = production.url.replace(/\/graphql$/, "");
    const adminBase = `http://127.0.0.1:${production.server.adminPort()}`;
    try {
      for (const path of ["/metrics", "/health/live", "/health/ready"])
        expect(`${path}: ${(await fetch(`${publicBase}${path}`)).status}`).toBe(`${path}: 404`);
      expect(await (await fetch(`${adminBase}/metrics`)).text()).toContain("gateway_operations_total");
      expect((await fetch(`${adminBase}/health/ready`)).status).toBe(200);
      expect(
        (
          await fetch(`${adminBase}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: '{"query":"{ __typename }"}',
          })
        ).status,
      ).toBe(404);
    } finally {
      await production.server.close();
    }
  });

  it("reports live and ready", async () => {
    const base = url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    // each subgraph's circuit is reported; payments failed fewer times than the circuit needs to open
    const closed = {
      accounts: "closed",
      catalog: "closed",
      notifications: "closed",
      operations: "closed",
      orders: "closed",
      payments: "closed",
    };
    // and which supergraph is served (its hash, as gateway_supergraph_info says)
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { supergraph: "ok", redis: "ok", liveUpdates: "ok" },
      subgraphs: closed,
      supergraph: { hash: supergraphHash(supergraphSdl), loadedAt: expect.any(String) },
    });
  });
});
