import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createRedis } from "@fedplat/runtime";
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

// Everything (two subgraphs, the relay, every consumer) shares this process on a shared 2-core machine.
jest.setTimeout(300_000);

const ORDERS = 120;
/** Rows are rechecked 1.5 s after publication: recovery within seconds, and the test's own pace. */
const RECHECK_MS = 1_500;
let database: TestDatabase;
let catalog: TestSubgraph<CatalogPrisma>;
let orders: TestSubgraph<OrdersPrisma>;
let workers: TestWorkers;
let customer: TestViewer;
let redis: OwnedRedis | undefined;
let port: number;
const rounds: Reconciled[] = [];

/** This test's own Redis, without persistence: a restart comes back empty. */
async function startRedis(): Promise<void> {
  redis = await startOwnedRedis(["--save", "", "--appendonly", "no"], port);
}

const killRedis = async () => redis?.kill();

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({
    createPrisma: createOrdersPrisma,
    build: (deps) =>
      buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, TEST_ORDERS_SERVICE_KEY, 30_000) }),
    database,
  });
  workers = await startTestWorkers(
    database,
    {
      policy: { attempts: 3, backoffMs: 2_000 },
      reconcile: { intervalMs: 200, recheckMs: RECHECK_MS, batchSize: 100 },
      onReconciled: (round) => rounds.push(round),
    },
    `redis://127.0.0.1:${port}`,
  );
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  if (!redis || redis.process.exitCode !== null || redis.process.signalCode !== null)
    await startRedis().catch(() => undefined); // close() needs Redis to release cleanly
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
  await killRedis();
});

/** Jobs waiting, active and delayed (backoff) in the payments queue: what Redis is about to lose. */
async function jobsInEveryState() {
  const counts = await workers.workers.queues.payments!.getJobCounts("waiting", "active", "delayed");
  return (counts.waiting ?? 0) > 0 && (counts.active ?? 0) > 0 && (counts.delayed ?? 0) > 0 ? counts : undefined;
}

describe("Redis losing its data while jobs wait, run and back off", () => {
  beforeEach(() => {
    // A slow provider that fails often: payments jobs pile up waiting, run, and wait out backoff (delayed).
    Object.assign(workers.provider, { latencyMs: 300, failureRate: 0.3 });
  });

  async function ordersWithJobsInFlight(sku: string): Promise<{ ids: string[]; productId: string }> {
    const product = await workers.clients.catalog.product.update({ where: { sku }, data: { stock: PLENTY } });
    const ids = await placeOrders(orders, customer, product.id, ORDERS);
    await waitFor("payments jobs waiting, active and delayed", jobsInEveryState, 60_000);
    return { ids, productId: product.id };
  }

  it("SIGKILL and an empty restart: every order still settles exactly once", async () => {
    const { ids, productId } = await ordersWithJobsInFlight("SKU-00001");
    const before = rounds.length;
    await killRedis();
    await startRedis();
    await expectSettledExactlyOnce(workers, ids, productId);
    // The reconciler is what brought the lost jobs back.
    expect(rounds.slice(before).reduce((sum, round) => sum + round.republished, 0)).toBeGreaterThan(0);
  });

  it("FLUSHALL: every order still settles exactly once", async () => {
    const { ids, productId } = await ordersWithJobsInFlight("SKU-00002");
    const before = rounds.length;
    const admin = createRedis(`redis://127.0.0.1:${port}`, "redis-loss-test");
    try {
      expect(await admin.flushall()).toBe("OK");
    } finally {
      admin.disconnect();
    }
    await expectSettledExactlyOnce(workers, ids, productId);
    expect(rounds.slice(before).reduce((sum, round) => sum + round.republished, 0)).toBeGreaterThan(0);
  });
});
