/**
 * The gateway benchmark's four-subgraph workload (issue 25), shaped like The Guild's public federation
 * gateway benchmark (graphql-hive/graphql-gateways-benchmark): four subgraphs answering from memory
 * (support/fourSubgraphs.ts, in a child process), the same heavy nested query under 50 connections,
 * every response checked against the expected body. Side by side in one run, alternating rounds:
 * the fedplat gateway with every feature at its default (no response cache) with in-flight dedupe
 * on and off (support/dedupeOff.ts), and a stock @apollo/gateway + @apollo/server. Then, from a `--cpu-prof` profile of the
 * fedplat gateway under the same load, where its CPU goes per request (support/cpuBreakdown.ts).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildKind, startOwnedRedis, stopService } from "@fedplat/devkit";
import { CPU_CATEGORIES, type CpuBreakdown, cpuBreakdown } from "./support/cpuBreakdown";
import { composeFourSubgraphs, FOUR_SUBGRAPH_QUERY, FOUR_SUBGRAPHS } from "./support/fourSubgraphs";
import { startFourSubgraphGateway, startFourSubgraphs } from "./support/fourSubgraphProcesses";
import {
  average,
  CONNECTIONS,
  type Load,
  load,
  peakRssMb,
  post,
  ROUNDS,
  SECONDS,
  startStockGateway,
} from "./support/load";
import { DEDUPE_OFF, DEDUPE_OFF_LABEL } from "./support/dedupeOff";

/** Warm-up of each gateway (JIT, connection pools, query plans) before its measured rounds. */
const WARM_UP_SECONDS = 5;
/**
 * BENCH_GATEWAY_BUILD=dist runs the fedplat gateways compiled, as production does (`npm run build`
 * first, docs/build.md); by default they run their TypeScript through tsx, as every other benchmark.
 */
const BUILD: BuildKind = process.env.BENCH_GATEWAY_BUILD === "dist" ? "dist" : "source";

interface Target {
  name: string;
  url: string;
  pid: number | undefined;
}

/**
 * Profiles a fedplat gateway (`--cpu-prof`) under the workload: warm-up, then one measured run whose
 * window (on the monotonic clock both processes share) selects the samples.
 */
async function profileGateway(supergraphPath: string, redisUrl: string, dedupe: boolean, body: string) {
  const dir = mkdtempSync(join(tmpdir(), "fedplat-gateway-profile-"));
  try {
    const gateway = await startFourSubgraphGateway(BUILD, supergraphPath, redisUrl, {
      ...(dedupe ? {} : DEDUPE_OFF),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${dir}`.trim(),
    });
    const expected = await post(gateway.url, {}, body);
    await load(gateway.url, {}, body, expected, undefined, WARM_UP_SECONDS);
    const from = Number(process.hrtime.bigint() / 1000n);
    const run = await load(gateway.url, {}, body, expected, gateway.pid);
    const to = Number(process.hrtime.bigint() / 1000n);
    // Written when the process exits: a graceful stop (SIGTERM, drain, exit).
    await stopService(gateway.service, 30_000);
    const profile = readdirSync(dir).find((file) => file.endsWith(".cpuprofile"));
    if (!profile) throw new Error(`the profiled gateway wrote no profile in ${dir}`);
    // BENCH_PROFILE_DIR keeps the profiles, to open in Chrome DevTools or read further.
    if (process.env.BENCH_PROFILE_DIR)
      copyFileSync(
        join(dir, profile),
        join(process.env.BENCH_PROFILE_DIR, `gateway-dedupe-${dedupe ? "on" : "off"}-${Date.now()}.cpuprofile`),
      );
    return { breakdown: cpuBreakdown(join(dir, profile), from, to), run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2) : "n/a");
const ratio = (a: number, b: number) => (a / b).toFixed(2);

export async function fourSubgraphWorkload(): Promise<string> {
  const loadBefore = loadavg();
  const subgraphs = await startFourSubgraphs();
  const dir = mkdtempSync(join(tmpdir(), "fedplat-four-subgraphs-"));
  const supergraphPath = join(dir, "supergraph.graphql");
  writeFileSync(supergraphPath, composeFourSubgraphs(subgraphs.urls));
  const stopping: Array<() => unknown> = [() => subgraphs.stop(), () => rmSync(dir, { recursive: true, force: true })];
  try {
    // A Redis of its own: rate-limit counters per address (127.0.0.1) must not be shared with
    // whatever else uses the machine's Redis (tests refused for bad credentials from the same address).
    const redis = await startOwnedRedis(["--save", "", "--appendonly", "no"]);
    stopping.push(() => redis.kill());
    const withDedupe = await startFourSubgraphGateway(BUILD, supergraphPath, redis.url, {});
    stopping.unshift(() => stopService(withDedupe.service));
    const noDedupe = await startFourSubgraphGateway(BUILD, supergraphPath, redis.url, DEDUPE_OFF);
    stopping.unshift(() => stopService(noDedupe.service));
    const stock = await startStockGateway(subgraphs.urls, supergraphPath);
    stopping.unshift(() => stock.stop());
    const targets: Target[] = [
      {
        name: "fedplat gateway, RESPONSE_CACHE=off (every other feature at its default; in-flight dedupe of operations and subgraph fetches on)",
        ...withDedupe,
      },
      { name: `fedplat gateway, RESPONSE_CACHE=off, ${DEDUPE_OFF_LABEL}`, ...noDedupe },
      { name: "stock @apollo/gateway + @apollo/server", ...stock },
    ];
    const body = JSON.stringify({ query: FOUR_SUBGRAPH_QUERY });

    // Correctness first: every gateway answers the same data, with no error; each run then expects its exact body.
    const bodies = await Promise.all(targets.map((target) => post(target.url, {}, body)));
    const data = bodies.map((answer) => JSON.stringify((JSON.parse(answer) as { data: unknown }).data));
    if (new Set(data).size !== 1) throw new Error("the gateways disagree on the four-subgraph query's data");
    const answerKb = Buffer.byteLength(bodies[2] as string) / 1024;

    for (const [i, target] of targets.entries())
      await load(target.url, {}, body, bodies[i] as string, undefined, WARM_UP_SECONDS);
    const runs: Load[][] = targets.map(() => []);
    const fetches: number[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) {
        const before = await subgraphs.requests();
        const run = await load(target.url, {}, body, bodies[i] as string, target.pid);
        runs[i]?.push(run);
        fetches[i]?.push(((await subgraphs.requests()) - before) / (run.requests ?? Number.NaN));
      }
    }
    const results = targets.map((target, i) => ({ ...average(runs[i] ?? []), peakRssMb: peakRssMb(target.pid) }));
    const fetchesPerRequest = fetches.map((rounds) => rounds.reduce((a, b) => a + b, 0) / rounds.length);
    const [ours, oursNoDedupe, stockResult] = results as [Load, Load, Load];

    // Profiles after the comparison, one gateway at a time, so profiling slows nothing measured above.
    const profiles = [
      await profileGateway(supergraphPath, redis.url, true, body),
      await profileGateway(supergraphPath, redis.url, false, body),
    ];
    const loadAfter = loadavg();

    const row = (target: Target, r: Load, i: number) =>
      `| ${target.name} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${f(r.cpuMsPerRequest ?? Number.NaN)} | ${f(r.peakRssMb ?? Number.NaN)} | ${f(fetchesPerRequest[i] ?? Number.NaN)} | ${ratio(r.rps, stockResult.rps)} | ${ratio(r.p99, stockResult.p99)} | ${ratio(r.peakRssMb ?? Number.NaN, stockResult.peakRssMb ?? Number.NaN)} |`;
    const holds = (ok: boolean) => (ok ? "holds" : "**does not hold**");
    const perRequest = (breakdown: CpuBreakdown, requests: number, category: (typeof CPU_CATEGORIES)[number]) =>
      `${f(breakdown.byCategory[category] / requests)} | ${((100 * breakdown.byCategory[category]) / breakdown.totalMs).toFixed(0)}%`;
    const [profiledOn, profiledOff] = profiles as [
      { breakdown: CpuBreakdown; run: Load },
      { breakdown: CpuBreakdown; run: Load },
    ];
    const requestsOn = profiledOn.run.requests ?? Number.NaN;
    const requestsOff = profiledOff.run.requests ?? Number.NaN;
    const lines = [
      `## Four subgraphs in memory, shaped like The Guild's gateway benchmark (${new Date().toISOString()}, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s per gateway, alternating; fedplat gateway ${BUILD === "dist" ? "compiled (dist/), as production runs it" : "run from TypeScript through tsx"})`,
      "",
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), shared: load average ${loadBefore[0]?.toFixed(1)} before the run, ${loadAfter[0]?.toFixed(1)} after. Timings (req/s, latency) are noisy under that load; CPU ms per request (the gateway process's user + system time over requests answered) is not.`,
      "",
      `Query: The Guild's TestQuery (users and topProducts, each four entity levels deep across accounts, inventory, products and reviews; ${f(answerKb)} KB answer). Subgraphs: ${FOUR_SUBGRAPHS.map((s) => s.name).join(", ")} (Apollo Server, data generated from a fixed seed, answers remembered per request body: bench/support/fourSubgraphs.ts). Every response checked against the expected body; all gateways return the same data.`,
      "",
      "| gateway | req/s | p50 ms | p99 ms | errors | gateway CPU ms/request | peak RSS MB | subgraph requests per request | req/s / stock | p99 / stock | peak RSS / stock |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
      ...targets.map((target, i) => row(target, results[i] as Load, i)),
      "",
      "Targets (issue 25), this run:",
      `- dedupe off >= 1.5x stock req/s: ${ratio(oursNoDedupe.rps, stockResult.rps)}x, ${holds(oursNoDedupe.rps >= 1.5 * stockResult.rps)}; gateway CPU per request ${ratio(oursNoDedupe.cpuMsPerRequest ?? Number.NaN, stockResult.cpuMsPerRequest ?? Number.NaN)}x stock's.`,
      `- dedupe on >= 4x stock req/s: ${ratio(ours.rps, stockResult.rps)}x, ${holds(ours.rps >= 4 * stockResult.rps)}.`,
      // The issue sets p99 for the gateway as configured (dedupe on); with dedupe off only req/s.
      `- p99 <= 0.5x stock (dedupe on): ${ratio(ours.p99, stockResult.p99)}x, ${holds(ours.p99 <= 0.5 * stockResult.p99)}; dedupe off (no target set): ${ratio(oursNoDedupe.p99, stockResult.p99)}x.`,
      `- peak RSS <= 1.5x stock: dedupe on ${ratio(ours.peakRssMb ?? Number.NaN, stockResult.peakRssMb ?? Number.NaN)}x, ${holds((ours.peakRssMb ?? Number.NaN) <= 1.5 * (stockResult.peakRssMb ?? Number.NaN))}; dedupe off ${ratio(oursNoDedupe.peakRssMb ?? Number.NaN, stockResult.peakRssMb ?? Number.NaN)}x, ${holds((oursNoDedupe.peakRssMb ?? Number.NaN) <= 1.5 * (stockResult.peakRssMb ?? Number.NaN))}.`,
      "",
      `Where the fedplat gateway's CPU goes per request, from a \`--cpu-prof\` profile of a gateway of its own under the same load (${SECONDS} s after a ${WARM_UP_SECONDS} s warm-up; self time by module path and function name, bench/support/cpuBreakdown.ts; profiling adds its own overhead, so the shares matter more than the sum):`,
      "",
      "| part | dedupe on: ms/request | share | dedupe off: ms/request | share |",
      "|---|---|---|---|---|",
      ...CPU_CATEGORIES.map(
        (category) =>
          `| ${category} | ${perRequest(profiledOn.breakdown, requestsOn, category)} | ${perRequest(profiledOff.breakdown, requestsOff, category)} |`,
      ),
      `| total (profiled) | ${f(profiledOn.breakdown.totalMs / requestsOn)} | | ${f(profiledOff.breakdown.totalMs / requestsOff)} | |`,
      "",
      "Functions with the most self time, dedupe off:",
      "",
      "| function (module) | part | ms/request |",
      "|---|---|---|",
      ...profiledOff.breakdown.topFunctions
        .slice(0, 12)
        .map((fn) => `| ${fn.name.replace(/\|/g, "\\|")} | ${fn.category} | ${f(fn.ms / requestsOff)} |`),
      "",
    ];
    return lines.join("\n");
  } finally {
    for (const stop of stopping) await stop();
  }
}
