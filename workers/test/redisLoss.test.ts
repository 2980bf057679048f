import { type ChildProcess, spawn } from "node:child_process";
import { createConnection } from "node:net";
import { buildCatalogServer, type CatalogPrisma, createCatalogPrisma } from "@fedplat/catalog";
import { createRedis } from "@fedplat/common";
import { createTestDatabase, freePort, gatewayHeaders, startTestSubgraph, type TestDatabase, type TestSubgraph, type TestViewer } from "@fedplat/devkit";
import { CONSUMERS, ROUTES } from "@fedplat/events";
import { buildOrdersServer, createCatalogClient, createOrdersPrisma, type OrdersPrisma } from "@fedplat/orders";
import type { Reconciled } from "../src/reconciler";
import { startTestWorkers, type TestWorkers, waitFor } from "./helpers";

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
let redis: ChildProcess | undefined;
let port: number;
const rounds: Reconciled[] = [];

/** This test's own Redis, without persistence: a restart comes back empty. */
async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await waitFor(
    "redis to accept connections",
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection(port, "127.0.0.1", () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      }),
  );
}

async function killRedis(): Promise<void> {
  const child = redis;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  database = await createTestDatabase();
  catalog = await startTestSubgraph({ createPrisma: createCatalogPrisma, build: buildCatalogServer, database });
  orders = await startTestSubgraph({ createPrisma: createOrdersPrisma, build: (deps) => buildOrdersServer({ ...deps, catalog: createCatalogClient(catalog.url, deps.gatewaySecret, 30_000) }), database });
  workers = await startTestWorkers(database, { policy: { attempts: 3, backoffMs: 2_000 }, reconcile: { intervalMs: 200, recheckMs: RECHECK_MS, batchSize: 100 }, onReconciled: (round) => rounds.push(round) }, `redis://127.0.0.1:${port}`);
  customer = await orders.viewer("customer");
});
afterAll(async () => {
  if (!redis || redis.exitCode !== null) await startRedis().catch(() => undefined); // close() needs Redis to release cleanly
  await workers?.stop();
  await orders?.stop();
  await catalog?.stop();
  await database?.drop();
  await killRedis();
});

/** `count` orders of one unit of `sku`, placed 10 at a time; their ids. */
async function placeOrders(productId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const place = async () => {
    const res = await orders.request<{ placeOrder: { id: string } }>("mutation($p: ID!) { placeOrder(input: { lines: [{ productId: $p, quantity: 1 }] }) { id } }", { p: productId }, await gatewayHeaders(customer));
    if (!res.data) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
    ids.push(res.data.placeOrder.id);
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, place));
  return ids;
}

/** Jobs waiting, active and delayed (backoff) in the payments queue: what Redis is about to lose. */
async function jobsInEveryState() {
  const counts = await workers.workers.queues.payments.getJobCounts("waiting", "active", "delayed");
  return (counts.waiting ?? 0) > 0 && (counts.active ?? 0) > 0 && (counts.delayed ?? 0) > 0 ? counts : undefined;
}

/**
 * The end state of every service for `ids` (one product's orders): every order settled once,
 * stock, payments and notifications consistent with it, every event applied by each consumer
 * it is routed to, every outbox row settled.
 */
async function expectSettledExactlyOnce(ids: string[], productId: string): Promise<void> {
  const { orders: o, catalog: c, payments, notifications } = workers.clients;
  await waitFor("every order to be confirmed or cancelled", async () => (await o.order.count({ where: { id: { in: ids }, status: { in: ["CONFIRMED", "CANCELLED"] } } })) === ids.length, 180_000);
  const confirmed = (await o.order.findMany({ where: { id: { in: ids }, status: "CONFIRMED" }, select: { id: true } })).map((order) => order.id);
  const cancelled = ids.filter((id) => !confirmed.includes(id));
  // Every outbox row of every service settles: each consumer applied it (or its job completed).
  await waitFor(
    "every outbox row to be settled",
    async () => {
      const unsettled = CONSUMERS.map((schema) => `(SELECT count(*) FROM "${schema}"."outbox" WHERE settled_at IS NULL)`).join(" + ");
      const [row] = await o.$queryRawUnsafe<Array<{ n: number }>>(`SELECT (${unsettled})::int AS n`);
      return row?.n === 0;
    },
    120_000,
  );
  // One processed_events record per consumer and event routed to it (event_id is its key: never two).
  for (const consumer of CONSUMERS) {
    const types = Object.entries(ROUTES).filter(([, consumers]) => consumers.includes(consumer)).map(([type]) => type);
    const unapplied = CONSUMERS.map((producer) => `SELECT o.id FROM "${producer}"."outbox" o LEFT JOIN "${consumer}"."processed_events" p ON p.event_id = o.id WHERE o.type = ANY($1) AND p.event_id IS NULL`).join(" UNION ALL ");
    expect({ consumer, unapplied: await o.$queryRawUnsafe<unknown[]>(unapplied, types) }).toEqual({ consumer, unapplied: [] });
  }
  // Stock: one unit per confirmed order, none for a cancelled one (released).
  expect((await c.product.findUniqueOrThrow({ where: { id: productId } })).stock).toBe(1_000_000 - confirmed.length);
  expect(await c.stockReservation.count({ where: { orderId: { in: confirmed }, status: "COMMITTED" } })).toBe(confirmed.length);
  expect(await c.stockReservation.count({ where: { orderId: { in: cancelled }, status: "RELEASED" } })).toBe(cancelled.length);
  expect(await c.stockReservation.count({ where: { orderId: { in: ids } } })).toBe(ids.length);
  // Payments: one per order; a confirmed order charged exactly once, a cancelled one never.
  expect(await payments.payment.count({ where: { orderId: { in: confirmed }, state: "SUCCEEDED" } })).toBe(confirmed.length);
  expect(await payments.payment.count({ where: { orderId: { in: cancelled }, state: "FAILED" } })).toBe(cancelled.length);
  const charges = await payments.$queryRaw<Array<{ orderId: string; n: number }>>`SELECT p.order_id::text AS "orderId", count(*)::int AS n FROM "payments"."payment_attempts" a JOIN "payments"."payments" p ON p.id = a.payment_id WHERE a.succeeded AND p.order_id::text = ANY(${ids}) GROUP BY p.order_id`;
  expect(charges.filter((charge) => charge.n !== 1)).toEqual([]);
  expect(charges.map((charge) => charge.orderId).sort()).toEqual([...confirmed].sort());
  // Notifications: one per order, of its outcome.
  const notified = await notifications.$queryRaw<Array<{ orderId: string; template: string; n: number }>>`SELECT payload->>'orderId' AS "orderId", template, count(*)::int AS n FROM "notifications"."notifications" WHERE payload->>'orderId' = ANY(${ids}) GROUP BY 1, 2`;
  expect(notified.filter((row) => row.n !== 1)).toEqual([]);
  expect(notified.filter((row) => row.template === "order-confirmed").map((row) => row.orderId).sort()).toEqual([...confirmed].sort());
  expect(notified.filter((row) => row.template === "order-cancelled").map((row) => row.orderId).sort()).toEqual([...cancelled].sort());
}

describe("Redis losing its data while jobs wait, run and back off", () => {
  beforeEach(() => {
    // A slow provider that fails often: payments jobs pile up waiting, run, and wait out backoff (delayed).
    Object.assign(workers.provider, { latencyMs: 300, failureRate: 0.3 });
  });

  async function ordersWithJobsInFlight(sku: string): Promise<{ ids: string[]; productId: string }> {
    const product = await workers.clients.catalog.product.update({ where: { sku }, data: { stock: 1_000_000 } });
    const ids = await placeOrders(product.id, ORDERS);
    await waitFor("payments jobs waiting, active and delayed", jobsInEveryState, 60_000);
    return { ids, productId: product.id };
  }

  it("SIGKILL and an empty restart: every order still settles exactly once", async () => {
    const { ids, productId } = await ordersWithJobsInFlight("SKU-00001");
    const before = rounds.length;
    await killRedis();
    await startRedis();
    await expectSettledExactlyOnce(ids, productId);
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
    await expectSettledExactlyOnce(ids, productId);
    expect(rounds.slice(before).reduce((sum, round) => sum + round.republished, 0)).toBeGreaterThan(0);
  });
});
