/**
 * Response cache benchmark: the same public catalog query through two gateway processes, one
 * with the Redis response cache and one without, both in front of one catalog subgraph process,
 * measured alternately in the same run. Prints a markdown table and writes bench/results/cache.md.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  freePort,
  GATEWAY,
  type RunningService,
  SUBGRAPHS,
  spawnService,
  stopService,
  TEST_IDENTITY_ENV,
  TEST_JWT_SECRET,
  waitUntilReady,
} from "@fedplat/devkit";
import autocannon from "autocannon";
import { DEDUPE_OFF, DEDUPE_OFF_LABEL } from "./support/dedupeOff";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** Each side runs ROUNDS times, alternating, so load from elsewhere on the machine hits both alike. */
const ROUNDS = 2;
const QUERY =
  /* GraphQL */ "query BenchProducts { products(first: 20) { totalCount edges { node { id sku name priceCents currency } } } }";

interface Measure {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string): Promise<Measure> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY }),
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function combine(runs: Measure[]): Measure & { rps: number } {
  const sum = (pick: (m: Measure) => number) => runs.reduce((total, m) => total + pick(m), 0);
  const requests = sum((m) => m.requests);
  const seconds = sum((m) => m.seconds);
  // Latency percentiles: the mean of each round's (autocannon reports per run).
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: sum((m) => m.p50) / runs.length,
    p99: sum((m) => m.p99) / runs.length,
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
  };
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const services: RunningService[] = [];
  try {
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ...TEST_IDENTITY_ENV,
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
    };
    const catalogSpec = SUBGRAPHS.find((spec) => spec.name === "catalog");
    if (!catalogSpec) throw new Error("no catalog subgraph spec");
    const catalog = spawnService(catalogSpec, { port: await freePort(), env });
    services.push(catalog);
    await waitUntilReady(catalog, 90_000);
    const gatewayEnv = {
      ...env,
      SUBGRAPH_CATALOG_URL: `http://127.0.0.1:${catalog.port}/graphql`,
      CACHE_PREFIX: `bench-${randomUUID()}`,
    };
    const cached = spawnService(GATEWAY, { port: await freePort(), env: { ...gatewayEnv, RESPONSE_CACHE: "on" } });
    const uncached = spawnService(GATEWAY, { port: await freePort(), env: { ...gatewayEnv, RESPONSE_CACHE: "off" } });
    // Without in-flight dedupe too: every request is executed, which isolates what the cache saves
    // (with dedupe, the identical concurrent requests of this bench already share subgraph fetches).
    const executing = spawnService(GATEWAY, {
      port: await freePort(),
      env: { ...gatewayEnv, RESPONSE_CACHE: "off", ...DEDUPE_OFF },
    });
    services.push(cached, uncached, executing);
    await Promise.all([cached, uncached, executing].map((service) => waitUntilReady(service, 90_000)));
    const urlOf = (service: RunningService) => `http://127.0.0.1:${service.port}/graphql`;

    // Warm up both (query plans, connection pools, JIT; the first cached response).
    for (const service of [cached, uncached, executing])
      await autocannon({
        url: urlOf(service),
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: QUERY }),
        connections: 4,
        duration: 2,
      });
    const check = await (
      await fetch(urlOf(cached), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: QUERY }),
      })
    ).headers.get("x-cache");
    if (check !== "HIT") throw new Error(`the cached gateway answered x-cache: ${check}, expected HIT`);

    const runs: Record<"on" | "off" | "executing", Measure[]> = { on: [], off: [], executing: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.executing.push(await load(urlOf(executing)));
      runs.off.push(await load(urlOf(uncached)));
      runs.on.push(await load(urlOf(cached)));
    }
    const on = combine(runs.on);
    const off = combine(runs.off);
    const executed = combine(runs.executing);
    const row = (name: string, m: ReturnType<typeof combine>) =>
      `| ${name} | ${Math.round(m.rps)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.requests} | ${m.errors + m.non2xx} |`;
    const ratio = on.rps / executed.rps;
    const table = [
      `# Response cache (${new Date().toISOString()}, ${cpus().length}-core machine, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s per side, alternating)`,
      "",
      "Public catalog query (`products(first: 20)`, 2 SQL statements per execution) through the gateway; the catalog subgraph and both gateways are separate processes.",
      "",
      "| response cache | requests/s | p50 ms | p99 ms | requests | errors |",
      "|---|---|---|---|---|---|",
      row("on (Redis, HIT)", on),
      row(`off, ${DEDUPE_OFF_LABEL} (every request executed: subgraph + PostgreSQL)`, executed),
      row("off, in-flight dedupe on (the default without the cache)", off),
      "",
      `Throughput ratio, cache on / every request executed: **${ratio.toFixed(1)}x** (target >= 10x). On / off with dedupe: ${(on.rps / off.rps).toFixed(1)}x (identical concurrent requests, as here, already share fetches without the cache).`,
      "",
    ].join("\n");
    console.log(table);
    writeFileSync(join(__dirname, "results", "cache.md"), table);
  } finally {
    for (const service of services.reverse()) await stopService(service);
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
