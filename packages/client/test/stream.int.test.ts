import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type AccountsPrisma, buildAccountsServer, createAccountsPrisma } from "@fedplat/accounts";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createFieldCipher, createLogger, createRedis, type Redis } from "@fedplat/runtime";
import {
  repoRoot,
  startTestSubgraph,
  TEST_GATEWAY_KEY,
  TEST_JWT_SECRET,
  TEST_ORDERS_SERVICE_KEY,
  TEST_PII_KEYS,
  type TestSubgraph,
} from "@fedplat/devkit";
import { accountsIdentity, buildGateway, defaultLimits, type GatewayServer } from "@fedplat/gateway";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { createGraphQLClient, MyOrdersDocument, persistedDocuments, placeOrder } from "../src";

jest.setTimeout(60_000);

const DOWN = "http://127.0.0.1:9/graphql";

let redis: Redis;
let accounts: TestSubgraph<AccountsPrisma>;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let gateway: GatewayServer;
let gatewayUrl: string;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "client-stream-test");
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
  gateway = await buildGateway({
    supergraphSdl: readFileSync(join(repoRoot, "supergraph.graphql"), "utf8"),
    subgraphUrls: {
      ACCOUNTS: accounts.url,
      CATALOG: catalog.url,
      ORDERS: orders.url,
      PAYMENTS: DOWN,
      NOTIFICATIONS: DOWN,
    },
    identity: accountsIdentity({ secret: TEST_JWT_SECRET }),
    signingKey: TEST_GATEWAY_KEY,
    redis,
    limits: { ...defaultLimits, rate: { ...defaultLimits.rate, keyPrefix: `test:${randomUUID()}` } },
    subscriptions: { channel: `test:live:${randomUUID()}` },
    logger: createLogger("client-test", "silent"),
  });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen(0, "127.0.0.1")}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await orders?.stop();
  await catalog?.stop();
  await accounts?.stop();
  await redis?.quit();
});

test("stream: the account first, then the same data with the deferred orders merged in", async () => {
  const viewer = await accounts.viewer("customer");
  const client = createGraphQLClient({ url: gatewayUrl, token: () => viewer.token, persistedDocuments });
  const product = await catalog.prisma.product.findFirstOrThrow({ orderBy: { sku: "asc" } });
  const order = await placeOrder(client, { lines: [{ productId: product.id, quantity: 2 }] });

  const results = [];
  for await (const result of client.stream(MyOrdersDocument)) results.push(result);

  expect(results).toHaveLength(2);
  const [first, last] = results;
  expect(first).toEqual({ data: { me: { id: viewer.id, email: expect.any(String) } }, hasNext: true, errors: [] });
  expect(last?.hasNext).toBe(false);
  expect(last?.errors).toEqual([]);
  const orders = last?.data.me && "orders" in last.data.me ? (last.data.me.orders ?? []) : [];
  expect(orders.find(({ id }) => id === order.id)).toMatchObject({
    status: "PENDING",
    lines: [{ quantity: 2, product: { name: product.name } }],
  });
});

test("stream: a gateway answer that is not multipart is one complete result", async () => {
  const viewer = await accounts.viewer("customer");
  const client = createGraphQLClient({
    url: gatewayUrl,
    token: () => viewer.token,
    fetch: (url, init) =>
      fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), accept: "application/json" } }),
  });
  const results = [];
  for await (const result of client.stream(MyOrdersDocument)) results.push(result);
  expect(results).toEqual([
    {
      data: { me: { id: viewer.id, email: expect.any(String), orders: expect.any(Array) } },
      hasNext: false,
      errors: [],
    },
  ]);
});
