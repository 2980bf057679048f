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
import { Queue, QueueEvents, Worker } from "bullmq";

const N = Number(process.env.BENCH_EVENTS ?? 2_000);
const PACED_RATE = 200; // events per second, for the latency target
const PACED_SECONDS = 10;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Jobs in flight per queue, the same for raw BullMQ and the platform (the workers' default). */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function rawBullmq(): Promise<{ perSecond: number; p50: number; p95: number }> {
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
  for (let i = 0; i < N; i += 100) await queue.addBulk(Array.from({ length: 100 }, (_, j) => ({ name: "e", data: { at: Date.now(), i: i + j } })));
  await all;
  const seconds = (Date.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
  return { perSecond: N / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function platform(): Promise<{ perSecond: number; p50: number; p95: number; pacedP50: number; pacedP95: number }> {
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
    relay: { intervalMs: 10, batchSize: 200 },
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

  const burst = Array.from({ length: N }, () => randomUUID());
  const beforeBurst = await notificationCount();
  const started = Date.now();
  for (let i = 0; i < N; i += 100) await commit(burst.slice(i, i + 100));
  await waitForAll(beforeBurst, burst);
  const seconds = (Date.now() - started) / 1000;
  const burstLatencies = await latenciesOf(burst);

  const paced: string[] = [];
  const beforePaced = await notificationCount();
  const pacedStart = Date.now();
  for (let i = 0; i < PACED_RATE * PACED_SECONDS; i++) {
    const userId = randomUUID();
    paced.push(userId);
    await commit([userId]);
    const due = pacedStart + ((i + 1) * 1000) / PACED_RATE;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  }
  await waitForAll(beforePaced, paced);
  const pacedLatencies = await latenciesOf(paced);

  await workers.close();
  await Promise.all(Object.values(clients).map((client) => client.$disconnect()));
  await redis.quit();
  await database.drop();
  return { perSecond: N / seconds, p50: percentile(burstLatencies, 50), p95: percentile(burstLatencies, 95), pacedP50: percentile(pacedLatencies, 50), pacedP95: percentile(pacedLatencies, 95) };
}

async function main(): Promise<void> {
  const raw = await rawBullmq();
  const ours = await platform();
  const f = (n: number) => n.toFixed(n >= 100 ? 0 : 1);
  const table = [
    `# Event pipeline (${new Date().toISOString()}, ${N} events, concurrency ${CONCURRENCY} per queue, 2-core machine)`,
    "",
    "| path | events/s | p50 ms | p95 ms |",
    "|---|---|---|---|",
    `| raw BullMQ add -> process (no database) | ${f(raw.perSecond)} | ${f(raw.p50)} | ${f(raw.p95)} |`,
    `| outbox commit -> relay -> queue -> consumer commit (burst) | ${f(ours.perSecond)} | ${f(ours.p50)} | ${f(ours.p95)} |`,
    `| same, paced at ${PACED_RATE} events/s for ${PACED_SECONDS} s | ${PACED_RATE} | ${f(ours.pacedP50)} | ${f(ours.pacedP95)} |`,
    "",
    `Throughput ratio (platform / raw BullMQ): **${(ours.perSecond / raw.perSecond).toFixed(2)}** (target >= 0.5). p95 at ${PACED_RATE}/s: **${f(ours.pacedP95)} ms** (target < 100 ms).`,
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
