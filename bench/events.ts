/**
 * Event pipeline benchmark: raw BullMQ add -> process next to the platform's path (commit to
 * the outbox -> relay -> queue -> idempotent consumer -> effect committed), in the same run.
 * Prints a markdown table and writes it to bench/results/events.md.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger, createRedis } from "@fedplat/common";
import { createTestDatabase } from "@fedplat/devkit";
import { createEvent, writeOutbox } from "@fedplat/events";
import { createServiceClients, startWorkers } from "@fedplat/workers";
import { Queue, Worker } from "bullmq";

const N = Number(process.env.BENCH_EVENTS ?? 5_000);
const PACED_RATE = 200; // events per second, for the latency target
const PACED_SECONDS = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Jobs in flight per queue, the same for raw BullMQ and the platform (the workers' default). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 128);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Burst {
  perSecond: number;
  /** CPU time of this process per event, in microseconds (PostgreSQL's and Redis's not included). */
  cpuUs: number;
  p50: number;
  p95: number;
}

async function rawBullmq(): Promise<Burst> {
  const redis = createRedis(redisUrl, "bench-raw");
  const prefix = `bench-${randomUUID()}`;
  const queue = new Queue("raw", { connection: redis, prefix });
  const latencies: number[] = [];
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const worker = new Worker(
    "raw",
    async (job) => {
      latencies.push(Date.now() - (job.data as { at: number }).at);
      if (++done === N) resolveAll();
    },
    { connection: redis, prefix, concurrency: CONCURRENCY },
  );
  const started = Date.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < N; i += 100) await queue.addBulk(Array.from({ length: 100 }, (_, j) => ({ name: "e", data: { at: Date.now(), i: i + j } })));
  await all;
  const seconds = (Date.now() - started) / 1000;
  const cpuUs = cpuPerEvent(cpu);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
  return { perSecond: N / seconds, cpuUs, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

const cpuPerEvent = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / N;
};

/** The platform's pipeline, started once; each burst or paced run uses fresh events. */
async function startPipeline() {
  const database = await createTestDatabase();
  const clients = createServiceClients(() => database.url);
  const redis = createRedis(redisUrl, "bench-platform");
  const prefix = `bench-${randomUUID()}`;
  const workers = startWorkers({
    redis,
    prefix,
    clients,
    paymentProvider: { name: "none", charge: async () => ({ reference: "x" }) },
    policy: { attempts: 3, backoffMs: 100 },
    concurrency: CONCURRENCY,
    groupCommit: { maxBatch: Number(process.env.BENCH_BATCH_MAX ?? 100), maxInFlight: 2 },
    lockMs: 30_000,
    relay: { intervalMs: 500, batchSize: 200 }, // the workers' defaults (RELAY_INTERVAL_MS, RELAY_BATCH_SIZE)
    logger: createLogger("bench", "silent"),
  });
  // Latency per event from database timestamps: outbox commit -> notification committed.
  const latenciesOf = async (userIds: string[]) =>
    (
      await clients.notifications.$queryRawUnsafe<Array<{ ms: number }>>(
        `SELECT EXTRACT(EPOCH FROM (n.created_at - o.created_at)) * 1000 AS ms FROM "notifications"."notifications" n JOIN "accounts"."outbox" o ON o.envelope->'data'->>'userId' = n.user_id::text WHERE n.user_id = ANY($1::uuid[])`,
        userIds,
      )
    ).map((row) => Number(row.ms));
  // Polls a plain count (the database is the bench's own): sending thousands of ids every poll
  // would take CPU and socket time from the pipeline being measured.
  const notificationCount = async () => (await clients.notifications.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "notifications"."notifications"`))[0]?.n ?? 0;
  const waitForAll = async (before: number, userIds: string[]) => {
    while ((await notificationCount()) < before + userIds.length) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const commit = (userIds: string[]) =>
    clients.accounts.$transaction((tx) => writeOutbox(tx, userIds.map((userId) => createEvent("user.registered", { userId, email: `${userId}@example.com`, name: "Bench" }, { producer: "accounts" }))));

  const burst = async (): Promise<Burst> => {
    const userIds = Array.from({ length: N }, () => randomUUID());
    const before = await notificationCount();
    const started = Date.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i += 100) await commit(userIds.slice(i, i + 100));
    await waitForAll(before, userIds);
    const seconds = (Date.now() - started) / 1000;
    const cpuUs = cpuPerEvent(cpu);
    const latencies = await latenciesOf(userIds);
    return { perSecond: N / seconds, cpuUs, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  };

  const paced = async (): Promise<Burst> => {
    const userIds: string[] = [];
    const before = await notificationCount();
    const started = Date.now();
    for (let i = 0; i < PACED_RATE * PACED_SECONDS; i++) {
      const userId = randomUUID();
      userIds.push(userId);
      await commit([userId]);
      const due = started + ((i + 1) * 1000) / PACED_RATE;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
    await waitForAll(before, userIds);
    const latencies = await latenciesOf(userIds);
    return { perSecond: PACED_RATE, cpuUs: Number.NaN, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  };

  const stop = async () => {
    await workers.close();
    await Promise.all(Object.values(clients).map((client) => client.$disconnect()));
    await redis.quit();
    await database.drop();
  };
  return { burst, paced, stop };
}

/** The run with the median throughput (this machine is shared: single runs swing widely). */
const median = (runs: Burst[]): Burst => [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as Burst;

async function main(): Promise<void> {
  const pipeline = await startPipeline();
  const raws: Burst[] = [];
  const bursts: Burst[] = [];
  let pacedRun: Burst;
  try {
    await pipeline.burst(); // warm-up: JIT, pools, prepared plans
    // Alternating rounds, so both sides see the same machine.
    for (let round = 0; round < ROUNDS; round++) {
      raws.push(await rawBullmq());
      bursts.push(await pipeline.burst());
    }
    pacedRun = await pipeline.paced();
  } finally {
    await pipeline.stop();
  }
  const raw = median(raws);
  const ours = median(bursts);
  const ratios = raws.map((run, i) => (bursts[i] as Burst).perSecond / run.perSecond).sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(n >= 100 ? 0 : 1);
  const table = [
    `# Event pipeline (${new Date().toISOString()}, bursts of ${N} events, ${ROUNDS} alternating rounds (median shown), concurrency ${CONCURRENCY} per queue, 2-core machine)`,
    "",
    "| path | events/s | p50 ms | p95 ms | Node CPU µs/event |",
    "|---|---|---|---|---|",
    `| raw BullMQ add -> process (no database) | ${f(raw.perSecond)} | ${f(raw.p50)} | ${f(raw.p95)} | ${f(raw.cpuUs)} |`,
    `| outbox commit -> relay -> queue -> consumer commit (burst) | ${f(ours.perSecond)} | ${f(ours.p50)} | ${f(ours.p95)} | ${f(ours.cpuUs)} |`,
    `| same, paced at ${PACED_RATE} events/s for ${PACED_SECONDS} s | ${PACED_RATE} | ${f(pacedRun.p50)} | ${f(pacedRun.p95)} | |`,
    "",
    `Throughput ratio (platform / raw BullMQ), per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}; median **${(ratios[Math.floor(ratios.length / 2)] ?? Number.NaN).toFixed(2)}** (target >= 0.5). p95 at ${PACED_RATE}/s: **${f(pacedRun.p95)} ms** (target < 100 ms).`,
    "",
  ].join("\n");
  console.log(table);
  writeFileSync(join(__dirname, "results", "events.md"), table);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
