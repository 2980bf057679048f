/**
 * What OpenTelemetry costs a subgraph: the catalog subgraph as a real process three ways, in
 * the same run, under the same load (interleaved rounds, medians): without the bootstrap, with
 * it and export off (the default), and exporting every span over OTLP to a local receiver.
 * Prints a markdown table and writes it to bench/results/telemetry.md.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  freePort,
  gatewayHeaders,
  type RunningService,
  SUBGRAPHS,
  spawnService,
  stopService,
  TEST_IDENTITY_ENV,
  waitUntilReady,
} from "@fedplat/devkit";
import { otlpEnv, startOtlpReceiver } from "@fedplat/tests";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const QUERY = /* GraphQL */ "{ products(first: 10) { edges { node { id sku name priceCents stock } } } }";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const median = (values: number[]) => percentile(values, 50);

/** CONCURRENCY clients sending QUERY back to back for SECONDS; every answer must be data. */
async function measure(url: string): Promise<{ perSecond: number; p50: number; p95: number }> {
  // signed per round: the gateway's identity tokens live 60 s
  const headers = await gatewayHeaders(null, "catalog");
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query: QUERY }),
        });
        const body = (await res.json()) as { errors?: unknown };
        if (!res.ok || body.errors) throw new Error(`bad answer: ${res.status} ${JSON.stringify(body)}`);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: latencies.length / SECONDS, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function main(): Promise<void> {
  const catalog = SUBGRAPHS.find((spec) => spec.name === "catalog");
  if (!catalog) throw new Error("no catalog subgraph");
  const database = await createTestDatabase();
  const receiver = await startOtlpReceiver();
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    ...TEST_IDENTITY_ENV,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  const configs = [
    { name: "no OpenTelemetry", telemetry: false, env },
    { name: "OpenTelemetry, export off (default)", telemetry: true, env },
    {
      name: "OpenTelemetry, every span exported (OTLP/HTTP)",
      telemetry: true,
      env: { ...env, ...otlpEnv(receiver), OTEL_BSP_SCHEDULE_DELAY: "1000" },
    },
  ];
  const running: RunningService[] = [];
  try {
    for (const config of configs) {
      // Production serves health on an admin port of its own: one each, as three run at once.
      const service = spawnService(catalog, {
        port: await freePort(),
        adminPort: await freePort(),
        env: config.env,
        telemetry: config.telemetry,
      });
      running.push(service);
      await waitUntilReady(service);
    }
    const results: Array<Array<{ perSecond: number; p50: number; p95: number }>> = configs.map(() => []);
    for (const service of running) await measure(`http://127.0.0.1:${service.port}/graphql`); // warm-up: JIT, pools, caches
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, service] of running.entries())
        results[i]?.push(await measure(`http://127.0.0.1:${service.port}/graphql`));
    }
    const spans = receiver.spans().length;
    const base = median(results[0]?.map((r) => r.perSecond) ?? []);
    const rows = configs.map((config, i) => {
      const runs = results[i] ?? [];
      const perSecond = median(runs.map((r) => r.perSecond));
      return `| ${config.name} | ${perSecond.toFixed(0)} | ${(perSecond / base).toFixed(2)} | ${median(runs.map((r) => r.p50)).toFixed(1)} | ${median(runs.map((r) => r.p95)).toFixed(1)} |`;
    });
    const table = [
      `# Telemetry overhead: the catalog subgraph, ${CONCURRENCY} concurrent clients, ${ROUNDS} interleaved rounds of ${SECONDS} s (medians)`,
      "",
      "| configuration | requests/s | ratio to no OpenTelemetry | p50 ms | p95 ms |",
      "|---|---|---|---|---|",
      ...rows,
      "",
      `Query: \`${QUERY}\`, anonymous, straight to the subgraph. Spans received by the OTLP receiver: ${spans}.`,
      `Measured ${new Date().toISOString()} on a ${cpus().length}-core machine shared with other work: compare ratios, not absolute numbers.`,
      "",
    ].join("\n");
    process.stdout.write(`${table}\n`);
    writeFileSync(join(__dirname, "results", "telemetry.md"), table);
  } finally {
    await Promise.all(running.map((service) => stopService(service)));
    await receiver.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
