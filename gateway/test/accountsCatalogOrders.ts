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
  TEST_ORDERS_SERVICE_KEY,
  TEST_JWT_SECRET,
  TEST_PII_KEYS,
  type TestSubgraph,
} from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import { accountsIdentity, defaultLimits, type GatewayOptions } from "../src";

const supergraphSdl = readFileSync(join(repoRoot, "supergraph.graphql"), "utf8");
/** Where nothing listens: payments and notifications are down in these tests. */
const DOWN = "http://127.0.0.1:9/graphql";

/** Three real subgraphs on one test database (payments and notifications down), and Redis. */
export interface AccountsCatalogOrders {
  redis: Redis;
  accounts: TestSubgraph<AccountsPrisma>;
  catalog: TestSubgraph<CatalogPrisma>;
  orders: TestSubgraph<OrdersPrisma>;
  /** Options for a gateway over them (its own rate-limit keys and live-update channel); add what the test is about. */
  gatewayOptions(): GatewayOptions;
  stop(): Promise<void>;
}

export async function startAccountsCatalogOrders(name: string): Promise<AccountsCatalogOrders> {
  const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", name);
  const accounts = await startTestSubgraph({
    createPrisma: createAccountsPrisma,
    build: (deps) =>
      buildAccountsServer({ ...deps, jwtSecret: TEST_JWT_SECRET, cipher: createFieldCipher(TEST_PII_KEYS, "test1") }),
  });
  const catalog = await startTestSubgraph({
    createPrisma: createCatalogPrisma,
    build: buildCatalogServer,
    database: accounts.database,
  });
  const orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY) }),
    database: accounts.database,
  });
  const logger = createLogger("gateway-test", "silent");
  return {
    redis,
    accounts,
    catalog,
    orders,
    gatewayOptions: () => ({
      supergraphSdl,
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
      logger,
    }),
    stop: async () => {
      await orders.stop();
      await catalog.stop();
      await accounts.stop();
      await redis.quit();
    },
  };
}
