/**
 * `npm run bench -- chaos`: the event platform under the faults operators see. For each fault,
 * real worker processes (production settings: concurrency 256, batches of 100, 5 attempts from
 * 1 s, 30 s lock... unless noted) run sagas on a private database while the fault strikes; then
 * every order is audited across every service (tests/fixtures/sagaAudit.ts). Prints a markdown
 * table and writes it to bench/results/chaos.md.
 *
 * Faults it owns: Redis and PostgreSQL servers started for the run on spare ports (never the
 * shared ones), worker processes it started.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRedis } from "@fedplat/runtime";
import {
  freePort,
  type RunningService,
  spawnService,
  startOwnedPostgres,
  startOwnedRedis,
  stopService,
  TEST_IDENTITY_ENV,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import { DEAD_LETTER_QUEUE, type DeadLetter } from "@fedplat/events";
import { createOrdersPrisma } from "@fedplat/orders";
import {
  auditSagas,
  placeOrdersDirectly,
  providerNetCents,
  type SagaAudit,
  stockSnapshot,
  traceOrder,
} from "@fedplat/tests";
import { Queue } from "bullmq";
import pg from "pg";

const ORDERS = Number(process.env.BENCH_CHAOS_ORDERS ?? 600);
const OUTAGE_MS = Number(process.env.BENCH_CHAOS_OUTAGE_MS ?? 30_000);
/** A run is over when every order settled, or nothing moved for this long (the rest is lost). */
const STUCK_MS = 120_000;
const sharedRedis = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

interface Row {
  fault: string;
  orders: number;
  settled: number;
  /** Orders still PENDING at the end. */
  lost: number;
  /** Notifications sent twice, or stock taken twice / not given back. */
  appliedTwice: number;
  /** Orders whose money at the provider is not their total (CONFIRMED) or 0 (CANCELLED). */
  ledgerMismatches: number;
  /** Other broken promises (payment state out of step, a notification missing). */
  otherProblems: number;
  deadLetters: number;
  /** Of those, charges declined on every attempt: real payment failures. */
  paymentFailures: number;
  /** From the end of the fault until every order settled and the audit came out clean. */
  settleSeconds: number | undefined;
}

interface Harness {
  databaseUrl: string;
  redisUrl: string;
  /** Where the provider keeps its ledger (the database's own unless a fault needs it apart). */
  providerUrl?: string;
  cleanup(): Promise<void>;
}

interface Fault {
  name: string;
  prepare(): Promise<Harness>;
  /** Strikes once some sagas are under way; resolves when the fault is over (the infrastructure is back). */
  strike(context: {
    harness: Harness;
    workers: RunningService[];
    restartWorker(index: number): Promise<void>;
  }): Promise<void>;
  workers?: number;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every run's database is on a PostgreSQL of its own: worker processes at production pool sizes
 * (DB_POOL_MAX 10 per service) need more connections than the shared server has to spare.
 */
async function ownDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const postgres = await startOwnedPostgres();
  return { url: postgres.database.url, drop: () => postgres.destroy() };
}

async function onSharedRedis(): Promise<Harness> {
  const database = await ownDatabase();
  return { databaseUrl: database.url, redisUrl: sharedRedis, cleanup: () => database.drop() };
}

async function withOwnRedis(): Promise<
  Harness & { redisPort: number; kill(): Promise<void>; restart(): Promise<void> }
> {
  const database = await ownDatabase();
  let redis = await startOwnedRedis(["--save", "", "--appendonly", "no"]);
  const port = redis.port;
  return {
    databaseUrl: database.url,
    redisUrl: redis.url,
    redisPort: port,
    kill: () => redis.kill(),
    restart: async () => {
      redis = await startOwnedRedis(["--save", "", "--appendonly", "no"], port);
    },
    cleanup: async () => {
      await redis.kill();
      await database.drop();
    },
  };
}

const FAULTS: Fault[] = [
  {
    name: "worker kill -9 x5",
    workers: 2,
    prepare: onSharedRedis,
    strike: async ({ workers, restartWorker }) => {
      for (let kill = 0; kill < 5; kill++) {
        await wait(500 + Math.random() * 2_500);
        const victim = Math.floor(Math.random() * workers.length);
        workers[victim]?.child.kill("SIGKILL");
        await workers[victim]?.exited;
        await restartWorker(victim);
      }
    },
  },
  ...(["kill", "flush"] as const).map(
    (how): Fault => ({
      name: how === "kill" ? "Redis SIGKILL, restarted empty" : "Redis FLUSHALL",
      prepare: withOwnRedis,
      strike: async ({ harness }) => {
        const own = harness as Awaited<ReturnType<typeof withOwnRedis>>;
        if (how === "kill") {
          await own.kill();
          await own.restart();
          return;
        }
        const admin = createRedis(own.redisUrl, "chaos-flush");
        await admin.flushall();
        admin.disconnect();
      },
    }),
  ),
  {
    name: `PostgreSQL stopped ${OUTAGE_MS / 1000} s`,
    prepare: async () => {
      const postgres = await startOwnedPostgres();
      return {
        databaseUrl: postgres.database.url,
        redisUrl: sharedRedis,
        postgres,
        cleanup: () => postgres.destroy(),
      } as Harness;
    },
    strike: async ({ harness }) => {
      const { postgres } = harness as Harness & { postgres: Awaited<ReturnType<typeof startOwnedPostgres>> };
      await postgres.crash();
      await wait(OUTAGE_MS);
      await postgres.start();
    },
  },
  {
    name: `payment provider down ${OUTAGE_MS / 1000} s`,
    prepare: async () => {
      const database = await ownDatabase();
      const provider = await startOwnedPostgres();
      return {
        databaseUrl: database.url,
        redisUrl: sharedRedis,
        providerUrl: provider.database.url,
        provider,
        cleanup: async () => {
          await provider.destroy();
          await database.drop();
        },
      } as Harness;
    },
    strike: async ({ harness }) => {
      const { provider } = harness as Harness & { provider: Awaited<ReturnType<typeof startOwnedPostgres>> };
      await provider.crash();
      await wait(OUTAGE_MS);
      await provider.start();
    },
  },
];

async function run(fault: Fault): Promise<Row> {
  const harness = await fault.prepare();
  const prefix = `chaos-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: harness.databaseUrl,
    REDIS_URL: harness.redisUrl,
    ...(harness.providerUrl ? { PAYMENT_PROVIDER_DATABASE_URL: harness.providerUrl } : {}),
    BULLMQ_PREFIX: prefix,
    ...TEST_IDENTITY_ENV,
    NODE_ENV: "test",
    LOG_LEVEL: "error",
    PAYMENT_FAILURE_RATE: "0.1",
    PAYMENT_LATENCY_MS: "100",
    // Losses must show: no watchdog cancelling what the fault left stuck.
    ORDER_EXPIRY_INTERVAL_MS: "0",
  };
  const workers: RunningService[] = [];
  const startWorker = async () => {
    const service = spawnService(WORKERS, { port: await freePort(), env });
    await waitUntilReady(service, 120_000);
    return service;
  };
  const db = new pg.Pool({ connectionString: harness.databaseUrl, max: 2 });
  db.on("error", () => undefined); // the PostgreSQL fault closes its connections
  const providerDb = harness.providerUrl ? new pg.Pool({ connectionString: harness.providerUrl, max: 1 }) : db;
  providerDb.on("error", () => undefined);
  const orders = createOrdersPrisma(harness.databaseUrl);
  try {
    for (let i = 0; i < (fault.workers ?? 1); i++) workers.push(await startWorker());
    const stockBefore = await stockSnapshot(db);
    const ids = await placeOrdersDirectly(db, orders, { count: ORDERS });
    const pendingOf = async () =>
      Number(
        (
          await db.query(`SELECT count(*) FROM "orders"."orders" WHERE id = ANY($1::uuid[]) AND status = 'PENDING'`, [
            ids,
          ])
        ).rows[0].count,
      );
    // Strike with a quarter of the sagas settled: jobs are then waiting, active and delayed (retries).
    while ((await pendingOf()) > ORDERS * 0.75) await wait(50);
    await fault.strike({
      harness,
      workers,
      restartWorker: async (index) => {
        workers[index] = await startWorker();
      },
    });
    const faultOver = Date.now();

    let audit: SagaAudit | undefined;
    let lastPending = -1;
    let movedAt = Date.now();
    for (;;) {
      const pending = await pendingOf().catch(() => lastPending);
      if (pending !== lastPending) [lastPending, movedAt] = [pending, Date.now()];
      if (pending === 0) {
        audit = await auditSagas(db, ids, stockBefore, providerNetCents(providerDb));
        if (audit.problems.length === 0) break;
      }
      if (Date.now() - movedAt > STUCK_MS) break;
      await wait(500);
    }
    const settledAt = Date.now();
    audit ??= await auditSagas(db, ids, stockBefore, providerNetCents(providerDb));
    if (audit.pending.length > 0) {
      // Stuck: say what the workers say (or how they ended).
      for (const worker of workers)
        console.error(
          `workers (exit ${worker.child.exitCode ?? worker.child.signalCode ?? "running"}):\n${worker.output.slice(-20).join("\n")}`,
        );
      await printDatabaseState(db, workers);
      const queues = new Map<string, Queue>();
      const queueOf = (consumer: string) =>
        queues.get(consumer) ??
        (queues
          .set(consumer, new Queue(`events-${consumer}`, { connection: { url: harness.redisUrl }, prefix }))
          .get(consumer) as Queue);
      for (const id of audit.pending.slice(0, 2)) {
        const trace = await traceOrder(db, id, async (consumer, eventId) => {
          const job = await queueOf(consumer).getJob(eventId);
          return job ? `${await job.getState()}${job.failedReason ? ` (${job.failedReason})` : ""}` : "unknown";
        });
        console.error(`stuck order ${id}:\n  ${trace.join("\n  ")}`);
      }
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    }
    const letters = await deadLettersOf(harness.redisUrl, prefix);
    const count = (...kinds: string[]) =>
      new Set(
        audit?.problems
          .filter((problem) => kinds.includes(problem.kind))
          .map((problem) => problem.detail.split(" ")[1]),
      ).size;
    return {
      fault: fault.name,
      orders: ORDERS,
      settled: audit.settled,
      lost: audit.pending.length,
      appliedTwice: count("notified twice", "stock"),
      ledgerMismatches: count("money"),
      otherProblems: count("payment", "not notified", "missing order"),
      deadLetters: letters.length,
      paymentFailures: letters.filter(
        (letter) =>
          letter.consumer === "payments" &&
          letter.errors.every((error) => /card_declined|provider_timeout/.test(error)),
      ).length,
      settleSeconds:
        audit.pending.length === 0 && audit.problems.length === 0 ? (settledAt - faultOver) / 1000 : undefined,
    };
  } finally {
    await Promise.all(workers.map((worker) => stopService(worker)));
    await orders.$disconnect();
    if (providerDb !== db) await providerDb.end();
    await db.end();
    await harness.cleanup();
  }
}

/**
 * Where stuck handlers wait: each server-side session of the database (running, waiting on a
 * lock, or idle in a transaction the client never ends) and each worker's pool (connections
 * open, idle, and callers waiting for one).
 */
async function printDatabaseState(db: pg.Pool, workers: RunningService[]): Promise<void> {
  const sessions = await db
    .query(
      `SELECT state, wait_event_type, wait_event, round(extract(epoch FROM now() - xact_start))::int AS xact_seconds, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY xact_start NULLS LAST`,
    )
    .catch((error: Error) => ({ rows: [{ error: error.message }] }));
  console.error("database sessions:");
  console.table(sessions.rows);
  for (const worker of workers) {
    const metrics = await fetch(`http://127.0.0.1:${worker.adminPort ?? worker.port}/metrics`).then(
      (res) => res.text(),
      (error: Error) => error.message,
    );
    console.error(
      `worker on ${worker.port} pools:\n${metrics
        .split("\n")
        .filter((line) => line.startsWith("db_pool_connections"))
        .join("\n")}`,
    );
  }
}

async function deadLettersOf(redisUrl: string, prefix: string): Promise<DeadLetter[]> {
  const queue = new Queue(DEAD_LETTER_QUEUE, { connection: { url: redisUrl }, prefix });
  try {
    return (await queue.getJobs(["waiting", "delayed", "prioritized", "completed", "failed"])).map(
      (job) => job.data as DeadLetter,
    );
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(): Promise<void> {
  const wanted = process.env.BENCH_CHAOS_FAULTS?.split(",");
  const rows: Row[] = [];
  for (const fault of FAULTS.filter(
    (f) => !wanted || wanted.some((w) => f.name.toLowerCase().includes(w.toLowerCase())),
  )) {
    console.log(`chaos: ${fault.name}...`);
    rows.push(await run(fault));
  }
  const table = [
    "| fault | orders | settled | lost | applied twice | ledger mismatches | other problems | dead letters (payment declined) | settled after the fault |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row) =>
        `| ${row.fault} | ${row.orders} | ${row.settled} | ${row.lost} | ${row.appliedTwice} | ${row.ledgerMismatches} | ${row.otherProblems} | ${row.deadLetters} (${row.paymentFailures}) | ${row.settleSeconds === undefined ? "never" : `${row.settleSeconds.toFixed(1)} s`} |`,
    ),
  ].join("\n");
  const text = `# Chaos: the event platform under faults

\`npm run bench -- chaos\` (${new Date().toISOString().slice(0, 10)}). Each fault strikes once a quarter of ${ORDERS} sagas has
settled (jobs waiting, active and delayed), on worker processes at production settings (concurrency
256, batches of 100, 5 attempts from 1 s, JOB_LOCK_MS 30 s, the reconciler rechecking after 30 s),
provider failure rate 0.1 and latency 100 ms, no order watchdog. Every order is then audited
across every service: stock, payment, money at the provider, notifications.

${table}

- lost: orders still PENDING when nothing had moved for ${STUCK_MS / 1000} s.
- applied twice: orders notified twice or whose stock was taken twice or not given back.
- dead letters: every letter; in brackets those that are charges declined on every attempt
  (real payment failures, not faults).
- settled after the fault: from the moment the infrastructure was back (or the last worker
  restarted) until every order had settled and the audit came out clean.
`;
  console.log(`\n${table}\n`);
  writeFileSync(join(__dirname, "results", "chaos.md"), text);
  const broken = rows.filter((row) => row.lost + row.appliedTwice + row.ledgerMismatches + row.otherProblems > 0);
  if (broken.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
