/**
 * Gateway benchmark (issue: performance). Starts the platform (five subgraphs, workers, our
 * gateway with auth, shield, limits and rate limits on) and a stock @apollo/gateway +
 * @apollo/server on the same subgraphs and supergraph, then, side by side in one run:
 *  1. a heavy nested query across four subgraphs under 50 connections, on both gateways;
 *  2. SQL statements per operation for that query, for 5 and 40 users;
 *  3. a single-subgraph query through our gateway and straight to the subgraph.
 * Every response is checked against the expected body (autocannon's expectBody). Prints a
 * markdown table and writes it to bench/results/gateway.md.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IDENTITY_HEADER, signCallerIdentity } from "@fedplat/common";
import { freePort, repoRoot, SUBGRAPHS, TEST_GATEWAY_SECRET } from "@fedplat/devkit";
import autocannon from "autocannon";
import { startPlatform } from "../tests/fixtures/platform";

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

/** users -> orders -> lines -> product, payment, customer, notifications: four subgraphs, four entity levels. */
const HEAVY = `query Heavy($first: Int!) {
  users(first: $first) { edges { node { id email name
    orders(first: 5) { id status totalCents createdAt
      customer { id name }
      lines { quantity unitPriceCents product { id sku name priceCents } }
      payment { state amountCents attempts } }
    notifications(first: 3) { template channel } } } }
}`;
const SINGLE = `query Products { products(first: 20) { edges { node { id sku name priceCents stock } } } }`;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  /** Failed requests: connection errors, timeouts, non-2xx answers and bodies other than the expected one. */
  errors: number;
  peakRssMb?: number;
}

function percentileOf(histogram: autocannon.Histogram, p: "p50" | "p99"): number {
  return histogram[p];
}

async function load(url: string, headers: Record<string, string>, body: string, expectBody: string): Promise<Load> {
  const result = await autocannon({ url, method: "POST", headers: { "content-type": "application/json", ...headers }, body, connections: CONNECTIONS, duration: SECONDS, expectBody });
  return {
    rps: result.requests.average,
    p50: percentileOf(result.latency, "p50"),
    p99: percentileOf(result.latency, "p99"),
    errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
  };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  if (!response.ok || (JSON.parse(text) as { errors?: unknown }).errors) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function startStockGateway(subgraphUrls: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "stockGateway.ts")], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), SUPERGRAPH_PATH: join(repoRoot, "supergraph.graphql"), SUBGRAPH_URLS: JSON.stringify(subgraphUrls), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`stock gateway exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid, stop: () => child.kill("SIGTERM") };
}

const average = (runs: Load[]): Load => ({
  rps: runs.reduce((sum, run) => sum + run.rps, 0) / runs.length,
  p50: runs.reduce((sum, run) => sum + run.p50, 0) / runs.length,
  p99: Math.max(...runs.map((run) => run.p99)),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
});

async function main(): Promise<void> {
  const platform = await startPlatform({ logLevel: "error" });
  const urlOf = (name: string) => `http://127.0.0.1:${platform.services[name]?.port}/graphql`;
  const stock = await startStockGateway(Object.fromEntries(SUBGRAPHS.map((spec) => [spec.name, urlOf(spec.name)])));
  try {
    const admin = await platform.login("admin@example.com");
    const me = JSON.parse(await post(platform.gatewayUrl, admin, JSON.stringify({ query: "{ me { id role } }" }))) as { data: { me: { id: string; role: "ADMIN" } } };
    // The stock gateway forwards a signed identity as-is; it lives 60 s, so it is signed per round.
    const stockHeaders = async () => ({ [IDENTITY_HEADER]: await signCallerIdentity({ caller: { kind: "gateway" }, viewer: { id: me.data.me.id, role: me.data.me.role, kind: "user" } }, TEST_GATEWAY_SECRET) });
    const heavy = JSON.stringify({ query: HEAVY, variables: { first: 10 } });

    // Correctness first: both gateways give the same data; each run then expects that exact body.
    const oursBody = await post(platform.gatewayUrl, admin, heavy);
    const stockBody = await post(stock.url, await stockHeaders(), heavy);
    if (JSON.stringify(JSON.parse(oursBody).data) !== JSON.stringify(JSON.parse(stockBody).data)) throw new Error("the two gateways disagree on the heavy query's data");

    // SQL statements per operation, by subgraph (measured before any load, so nothing else runs):
    // bounded by the query's depth, not by rows.
    const statementsFor = async (first: number) => {
      const before = await platform.statements();
      await post(platform.gatewayUrl, admin, JSON.stringify({ query: HEAVY, variables: { first } }));
      const after = await platform.statements();
      return Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
    };
    const sql5 = await statementsFor(5);
    const sql40 = await statementsFor(40);

    const ours: Load[] = [];
    const baseline: Load[] = [];
    await load(platform.gatewayUrl, admin, heavy, oursBody); // warm-up (JIT, pools, query plans)
    await load(stock.url, await stockHeaders(), heavy, stockBody);
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await load(platform.gatewayUrl, admin, heavy, oursBody));
      baseline.push(await load(stock.url, await stockHeaders(), heavy, stockBody));
    }
    const oursAll = { ...average(ours), peakRssMb: peakRssMb(platform.services.gateway?.child.pid) };
    const stockAll = { ...average(baseline), peakRssMb: peakRssMb(stock.pid) };

    // Gateway overhead on a single-subgraph query: through the gateway vs straight to catalog.
    const single = JSON.stringify({ query: SINGLE });
    const anonymousIdentity = async () => ({ [IDENTITY_HEADER]: await signCallerIdentity({ caller: { kind: "gateway" }, viewer: null }, TEST_GATEWAY_SECRET) });
    const viaGatewayBody = await post(platform.gatewayUrl, {}, single);
    const directBody = await post(urlOf("catalog"), await anonymousIdentity(), single);
    await load(platform.gatewayUrl, {}, single, viaGatewayBody);
    const viaGateway = await load(platform.gatewayUrl, {}, single, viaGatewayBody);
    const direct = await load(urlOf("catalog"), await anonymousIdentity(), single, directBody);

    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : "n/a");
    const row = (name: string, r: Load) => `| ${name} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${r.peakRssMb === undefined ? "" : f(r.peakRssMb)} |`;
    const table = [
      `# Gateway (${new Date().toISOString()}, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s per gateway, alternating, 2-core machine)`,
      "",
      "Heavy query: users(10) -> orders(5) -> lines -> product, payment, customer, notifications (accounts, orders, catalog, payments, notifications). Every response checked against the expected body.",
      "",
      "| gateway | req/s | p50 ms | p99 ms | errors | peak RSS MB |",
      "|---|---|---|---|---|---|",
      row("fedplat gateway (auth, shield, limits, rate limits)", oursAll),
      row("stock @apollo/gateway + @apollo/server", stockAll),
      "",
      `Throughput ratio (ours / stock): **${(oursAll.rps / stockAll.rps).toFixed(2)}** (target >= 2). p99 ours / stock: **${(oursAll.p99 / stockAll.p99).toFixed(2)}** (target <= 1).`,
      "",
      "SQL statements for one heavy query, by subgraph:",
      "",
      `| users | ${Object.keys(sql5).join(" | ")} | total |`,
      `|---|${Object.keys(sql5).map(() => "---|").join("")}---|`,
      `| 5 | ${Object.values(sql5).join(" | ")} | ${Object.values(sql5).reduce((a, b) => a + b, 0)} |`,
      `| 40 | ${Object.values(sql40).join(" | ")} | ${Object.values(sql40).reduce((a, b) => a + b, 0)} |`,
      "",
      "Single-subgraph query (products(20)):",
      "",
      "| path | req/s | p50 ms | p99 ms | errors | |",
      "|---|---|---|---|---|---|",
      row("through the fedplat gateway", viaGateway),
      row("straight to the catalog subgraph", direct),
      "",
      `Gateway overhead: direct / gateway req/s = **${(direct.rps / viaGateway.rps).toFixed(2)}x** (target <= 2).`,
      "",
    ].join("\n");
    console.log(table);
    writeFileSync(join(__dirname, "results", "gateway.md"), table);
  } finally {
    stock.stop();
    await platform.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
