import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createRedis, type Redis } from "@fedplat/runtime";
import {
  createTestDatabase,
  freePort,
  type OwnedRedis,
  startOwnedRedis,
  startTestSubgraph,
  TEST_ORDERS_SERVICE_KEY,
  type TestDatabase,
  type TestSubgraph,
  type TestViewer,
} from "@fedplat/devkit";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import type { Reconciled } from "../src/reconciler";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";
import { expectSettledExactlyOnce, PLENTY, placeOrders } from "./settlement";

jest.setTimeout(300_000);

const NAME = "mymaster";
let dir: string;
let primary: OwnedRedis;
let replica: OwnedRedis;
const sentinels: OwnedRedis[] = [];
const admins = new Map<number, Redis>();
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;
const rounds: Reconciled[] = [];

/** A plain connection to the server on `port` (no sentinel settings), one per port. */
const admin = (port: number) => {
  let client = admins.get(port);
  if (!client) {
    client = createRedis(`redis://127.0.0.1:${port}`, "sentinel-test", { maxRetriesPerRequest: 1 }, {});
    client.on("error", () => undefined);
    admins.set(port, client);
  }
  return client;
};
/** The primary's port as `sentinel` sees it. */
const primaryPortOf = async (sentinel: OwnedRedis) =>
  Number(((await admin(sentinel.port).call("SENTINEL", "get-master-addr-by-name", NAME)) as [string, string])[1]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sentinel-test-"));
  // A primary and its replica (no persistence: what the replica had not received is lost) ...
  primary = await startOwnedRedis(["--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"]);
  replica = await startOwnedRedis([
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "noeviction",
    "--replicaof",
    "127.0.0.1",
    String(primary.port),
  ]);
  await waitFor("the replica to be in sync", async () =>
    /master_link_status:up/.test(await admin(replica.port).info("replication")),
  );
  // ... and three sentinels, two of which must agree that the primary is down.
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `dir ${dir}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 10000`,
        "",
      ].join("\n"),
    );
    sentinels.push(await startOwnedRedis([conf, "--sentinel"], port));
  }
  // Each sentinel knows the replica and the two other sentinels (they find each other through the primary).
  for (const sentinel of sentinels) {
    await waitFor("the sentinels to find the replica and each other", async () => {
      const client = admin(sentinel.port);
      const replicas = (await client.call("SENTINEL", "replicas", NAME)) as unknown[];
      const others = (await client.call("SENTINEL", "sentinels", NAME)) as unknown[];
      return replicas.length === 1 && others.length === 2;
    });
  }
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) =>
      buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY, 30_000) }),
    database,
  });
  // The workers know only the sentinels: REDIS_URL's host is ignored.
  const sentinelEnv = {
    REDIS_SENTINELS: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(","),
    REDIS_SENTINEL_NAME: NAME,
  };
  workers = await startTestWorkers(
    database,
    {
      policy: { attempts: 3, backoffMs: 500 },
      reconcile: { intervalMs: 200, recheckMs: 1_500, batchSize: 100 },
      onReconciled: (round) => rounds.push(round),
    },
    "redis://unused-host:6379",
    sentinelEnv,
  );
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
  for (const client of admins.values()) client.disconnect();
  for (const server of [...sentinels, replica, primary]) await server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Redis Sentinel", () => {
  it("follows a failover under load: orders placed before, during and after the primary's death all settle exactly once", async () => {
    Object.assign(workers.provider, { latencyMs: 50, failureRate: 0.2 });
    const product = await workers.clients.catalog.product.update({
      where: { sku: "SKU-00003" },
      data: { stock: PLENTY },
    });
    const before = await placeOrders(orders, customer, product.id, 60);
    // Jobs are in Redis (queued or running) when the primary dies.
    await waitFor("jobs in the queues", async () => {
      const counts = await workers.workers.queues.payments!.getJobCounts("waiting", "active", "delayed", "completed");
      return Object.values(counts).some((n) => n > 0);
    });
    const during = placeOrders(orders, customer, product.id, 60); // orders keep flowing
    await primary.kill();
    await waitFor(
      "the sentinels to promote the replica",
      async () => (await primaryPortOf(sentinels[0] as OwnedRedis)) === replica.port,
      60_000,
    );
    const after = await placeOrders(orders, customer, product.id, 60);
    const ids = [...before, ...(await during), ...after];
    expect(ids).toHaveLength(180);
    await expectSettledExactlyOnce(workers, ids, product.id);
    // The queues now live on the promoted replica: the workers follow it.
    expect((await workers.workers.queues.payments!.getJobCounts("completed")).completed).toBeGreaterThan(0);
    expect(/role:master/.test(await admin(replica.port).info("replication"))).toBe(true);
  });
});
