import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AccountsPrisma, buildAccountsServer, createAccountsPrisma } from "@fedplat/accounts";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createFieldCipher, createLogger, createRedis, type Redis } from "@fedplat/common";
import { bearer, graphqlRequest, repoRoot, startTestSubgraph, TEST_GATEWAY_SECRET, TEST_JWT_SECRET, TEST_PII_KEYS, type TestSubgraph } from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { buildGateway, defaultLimits, type GatewayServer } from "../src";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
const DOWN = "http://127.0.0.1:9/graphql";

let redis: Redis;
let accounts: TestSubgraph<AccountsPrisma>;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let gateway: GatewayServer;
let url: string;
let customer: Record<string, string>;
let staff: Record<string, string>;
const logger = createLogger("gateway-test", "silent");

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "entity-cache-test");
  accounts = await startTestSubgraph({ createPrisma: createAccountsPrisma, build: (deps) => buildAccountsServer({ ...deps, jwtSecret: TEST_JWT_SECRET, cipher: createFieldCipher(TEST_PII_KEYS, "test1") }) });
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database: accounts.database });
  orders = await startTestSubgraph({ createPrisma: createOrdersPrisma, build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, deps.gatewaySecret) }), database: accounts.database });
  gateway = await buildGateway({
    supergraphSdl,
    subgraphUrls: { ACCOUNTS: accounts.url, CATALOG: catalog.url, ORDERS: orders.url, PAYMENTS: DOWN, NOTIFICATIONS: DOWN },
    tokens: { kind: "hs256", secret: TEST_JWT_SECRET },
    gatewaySecret: TEST_GATEWAY_SECRET,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    logger,
    entityCache: true,
  });
  url = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
  customer = bearer((await accounts.viewer("customer")).token);
  staff = bearer((await accounts.viewer("staff")).token);
});
afterAll(async () => {
  await gateway?.close();
  await orders?.stop();
  await catalog?.stop();
  await accounts?.stop();
  await redis?.quit();
});

/** gateway_entity_cache_requests_total of the catalog, by outcome. */
async function catalogLookups(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(url.replace("/graphql", "/metrics"))).text();
  const count = (outcome: string) => Number(new RegExp(`^gateway_entity_cache_requests_total\\{[^}]*subgraph="catalog",outcome="${outcome}"[^}]*\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  return { hit: count("hit"), miss: count("miss") };
}

/* GraphQL */
const ORDER_PRODUCTS = "{ me { orders(first: 3) { id lines { quantity product { id name priceCents } } } } }";

describe("the gateway with the entity cache on", () => {
  it("asks the catalog once for the same products, whichever viewer asks, and answers the same data", async () => {
    const before = await catalogLookups();
    const first = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    expect(first.errors).toBeUndefined();
    const lines = (first.data as { me: { orders: Array<{ lines: unknown[] }> } }).me.orders.flatMap((order) => order.lines);
    expect(lines.length).toBeGreaterThan(0);
    const again = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    expect(again.data).toEqual(first.data);
    expect(await catalogLookups()).toEqual({ hit: before.hit + 1, miss: before.miss + 1 });

    // The same order's products for another viewer (staff reads the customer's order): Product is public, one fetch serves both.
    const orderId = (first.data as { me: { orders: Array<{ id: string }> } }).me.orders[0]?.id;
    const ORDER = "query($id: ID!) { order(id: $id) { lines { quantity product { id name priceCents } } } }";
    const asCustomer = await graphqlRequest(url, ORDER, { id: orderId }, customer);
    const afterCustomer = await catalogLookups();
    const asStaff = await graphqlRequest(url, ORDER, { id: orderId }, staff);
    expect(asStaff.errors).toBeUndefined();
    expect(asStaff.data).toEqual(asCustomer.data);
    expect(await catalogLookups()).toEqual({ hit: afterCustomer.hit + 1, miss: afterCustomer.miss });
  });

  it("keeps the response's cache policy no longer than the products' hint allows", async () => {
    const res = await graphqlRequest(url, ORDER_PRODUCTS, {}, customer);
    // Orders are uncacheable (max age 0): a reused product answer does not make the response cacheable.
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});
