/**
 * A/B of two builds of the fedplat gateway on the four-subgraph workload (gatewayFourSubgraphs.ts),
 * side by side in one run, for measuring a change to the gateway before committing to it:
 * gateway A runs from the dist/ of another tree (AB_BASE_ROOT: e.g. `cp -a` of this checkout, with
 * its node_modules, built before the change), gateway B from this tree's dist/ (`npm run build`).
 * Same environment for both, in-flight dedupe (operations and subgraph fetches) AB_DEDUPE (default false). Rounds alternate which
 * goes first; it prints each round, the means and medians of req/s and of the gateway's CPU
 * ms/request (on a shared machine, compare medians over many short rounds: BENCH_SECONDS=5
 * BENCH_ROUNDS=14). AB_PROFILE_DIR: afterwards, a `--cpu-prof` profile of B alone is written there.
 *
 *   AB_BASE_ROOT=/tmp/base BENCH_SECONDS=5 BENCH_ROUNDS=14 npx tsx bench/gatewayFourSubgraphsAB.ts
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startOwnedRedis, stopService, useTestEventKeys } from "@fedplat/devkit";
import { DEDUPE_OFF } from "./support/dedupeOff";
import { composeFourSubgraphs, FOUR_SUBGRAPH_QUERY } from "./support/fourSubgraphs";
import { startFourSubgraphGateway, startFourSubgraphs } from "./support/fourSubgraphProcesses";
import { type Load, load, post, ROUNDS } from "./support/load";

useTestEventKeys();
const BASE = process.env.AB_BASE_ROOT ?? "";
if (!BASE) throw new Error("AB_BASE_ROOT: the tree whose gateway dist/ is A");
const DEDUPE = process.env.AB_DEDUPE ?? "false";
const DEDUPE_ENV = DEDUPE === "false" ? DEDUPE_OFF : {};

const f = (n: number | undefined) => (n === undefined ? "n/a" : n.toFixed(2));

async function main() {
  const subgraphs = await startFourSubgraphs();
  const dir = mkdtempSync(join(tmpdir(), "fedplat-ab-"));
  const supergraphPath = join(dir, "supergraph.graphql");
  writeFileSync(supergraphPath, composeFourSubgraphs(subgraphs.urls));
  const redis = await startOwnedRedis(["--save", "", "--appendonly", "no"]);
  const gateways: Array<{
    name: string;
    url: string;
    pid: number | undefined;
    service: Parameters<typeof stopService>[0];
  }> = [];
  try {
    gateways.push({
      name: `A ${BASE}`,
      ...(await startFourSubgraphGateway("dist", supergraphPath, redis.url, DEDUPE_ENV, BASE)),
    });
    gateways.push({
      name: `B ${repoRoot}`,
      ...(await startFourSubgraphGateway("dist", supergraphPath, redis.url, DEDUPE_ENV, repoRoot)),
    });
    const body = JSON.stringify({ query: FOUR_SUBGRAPH_QUERY });
    const bodies = await Promise.all(gateways.map((g) => post(g.url, {}, body)));
    if (bodies[0] !== bodies[1]) {
      const data = bodies.map((b) => JSON.stringify(JSON.parse(b).data));
      if (data[0] !== data[1]) throw new Error("A and B disagree on the data");
      console.log("note: bodies differ outside data");
    }
    for (const [i, g] of gateways.entries()) await load(g.url, {}, body, bodies[i] as string, undefined, 5);
    const runs: Load[][] = gateways.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const g = gateways[i] as (typeof gateways)[number];
        const run = await load(g.url, {}, body, bodies[i] as string, g.pid);
        runs[i]?.push(run);
        console.log(
          `round ${round} ${i === 0 ? "A" : "B"}: ${f(run.rps)} req/s, cpu ${f(run.cpuMsPerRequest)} ms/req, p99 ${run.p99}, errors ${run.errors}`,
        );
      }
    }
    const avg = (rs: Load[], k: "rps" | "cpuMsPerRequest") => rs.reduce((s, r) => s + (r[k] ?? 0), 0) / rs.length;
    const [a, b] = runs as [Load[], Load[]];
    console.log(`| build | req/s | CPU ms/request |\n|---|---|---|`);
    console.log(`| A (base) | ${f(avg(a, "rps"))} | ${f(avg(a, "cpuMsPerRequest"))} |`);
    console.log(`| B (this tree) | ${f(avg(b, "rps"))} | ${f(avg(b, "cpuMsPerRequest"))} |`);
    const median = (rs: Load[], k: "rps" | "cpuMsPerRequest") => {
      const sorted = rs.map((r) => r[k] ?? 0).sort((x, y) => x - y);
      return sorted[Math.floor(sorted.length / 2)] ?? 0;
    };
    console.log(
      `medians: A ${f(median(a, "rps"))} req/s ${f(median(a, "cpuMsPerRequest"))} ms; B ${f(median(b, "rps"))} req/s ${f(median(b, "cpuMsPerRequest"))} ms; B/A CPU ${(median(b, "cpuMsPerRequest") / median(a, "cpuMsPerRequest")).toFixed(3)}`,
    );
    console.log(
      `B/A req/s ${(avg(b, "rps") / avg(a, "rps")).toFixed(3)}, B/A CPU ${(avg(b, "cpuMsPerRequest") / avg(a, "cpuMsPerRequest")).toFixed(3)} (dedupe ${DEDUPE})`,
    );
    if (process.env.AB_PROFILE_DIR) {
      for (const g of gateways) await stopService(g.service);
      gateways.length = 0;
      const profiled = await startFourSubgraphGateway("dist", supergraphPath, redis.url, {
        ...DEDUPE_ENV,
        NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.AB_PROFILE_DIR}`,
      });
      gateways.push({ name: "profiled", ...profiled });
      const expected = await post(profiled.url, {}, body);
      await load(profiled.url, {}, body, expected, undefined, 5);
      const run = await load(profiled.url, {}, body, expected, profiled.pid);
      console.log(`profiled: ${run.requests} requests, ${f(run.rps)} req/s`);
    }
  } finally {
    for (const g of gateways) await stopService(g.service);
    redis.kill();
    subgraphs.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
