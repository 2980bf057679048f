/** What the gateway benchmark's workloads share: load runs, CPU and memory readings, the stock gateway. */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, repoRoot } from "@fedplat/devkit";
import autocannon from "autocannon";

export const CONNECTIONS = 50;
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  /** Failed requests: connection errors, timeouts, non-2xx answers and bodies other than the expected one. */
  errors: number;
  peakRssMb?: number;
  /** CPU time the gateway process spent per request (user + system): robust to a noisy machine. */
  cpuMsPerRequest?: number;
  /** Requests answered in the run. */
  requests?: number;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (clock ticks of 10 ms). */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentileOf(histogram: autocannon.Histogram, p: "p50" | "p99"): number {
  return histogram[p];
}

export async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  expectBody: string,
  pid?: number,
  seconds = SECONDS,
  connections = CONNECTIONS,
): Promise<Load> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    connections,
    duration: seconds,
    expectBody,
  });
  return {
    rps: result.requests.average,
    p50: percentileOf(result.latency, "p50"),
    p99: percentileOf(result.latency, "p99"),
    errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
    cpuMsPerRequest: (cpuMs(pid) - cpuBefore) / result.requests.total,
    requests: result.requests.total,
  };
}

/**
 * Like load(), for requests that differ: `bodies[i]` is answered by exactly `expected[i]`.
 * Connections take the bodies round-robin; a response other than its own request's expected one
 * counts as an error.
 */
export async function loadDistinct(
  url: string,
  headers: Record<string, string>,
  bodies: readonly string[],
  expected: readonly string[],
  pid?: number,
  connections = CONNECTIONS,
  seconds = SECONDS,
): Promise<Load> {
  const cpuBefore = cpuMs(pid);
  let next = 0;
  let mismatches = 0;
  // One request in flight per connection (no pipelining): the connection's context holds the index of the request it waits for.
  const setupRequest = (request: autocannon.Request, context: { index?: number }) => {
    const index = next++ % bodies.length;
    context.index = index;
    return { ...request, body: bodies[index] };
  };
  const onResponse = (status: number, body: string, context: { index?: number }) => {
    if (status !== 200 || context.index === undefined || body !== expected[context.index]) mismatches++;
  };
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: setupRequest as (request: autocannon.Request, context: object) => autocannon.Request,
        onResponse: onResponse as (status: number, body: string, context: object) => void,
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: percentileOf(result.latency, "p50"),
    p99: percentileOf(result.latency, "p99"),
    errors: result.errors + result.timeouts + result.non2xx + mismatches,
    cpuMsPerRequest: (cpuMs(pid) - cpuBefore) / result.requests.total,
    requests: result.requests.total,
  };
}

export async function post(url: string, headers: Record<string, string>, body: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  if (!response.ok || (JSON.parse(text) as { errors?: unknown }).errors)
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Peak resident memory of a process (VmHWM), in MB. */
export function peakRssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The stock gateway (stockGateway.ts) on `supergraphPath`, each subgraph at `subgraphUrls[name]`. */
export async function startStockGateway(
  subgraphUrls: Record<string, string>,
  supergraphPath = join(repoRoot, "supergraph.graphql"),
) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "stockGateway.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      SUPERGRAPH_PATH: supergraphPath,
      SUBGRAPH_URLS: JSON.stringify(subgraphUrls),
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.once("exit", (code) => reject(new Error(`stock gateway exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid, stop: () => child.kill("SIGTERM") };
}

export const average = (runs: Load[]): Load => ({
  rps: runs.reduce((sum, run) => sum + run.rps, 0) / runs.length,
  p50: runs.reduce((sum, run) => sum + run.p50, 0) / runs.length,
  p99: Math.max(...runs.map((run) => run.p99)),
  errors: runs.reduce((sum, run) => sum + run.errors, 0),
  cpuMsPerRequest: runs.reduce((sum, run) => sum + (run.cpuMsPerRequest ?? Number.NaN), 0) / runs.length,
});
