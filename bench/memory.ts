/**
 * Memory of every process of the platform in production mode (NODE_ENV=production), two ways one after
 * the other in the same run: TypeScript through tsx (how production ran before `npm run build`) and the
 * compiled dist/ (how it runs now). Per process: RSS once the platform is ready and quiet (idle), the
 * highest RSS sampled while a small load runs through the gateway (loaded), and the CommonJS modules it
 * has loaded (support/moduleCensus.cjs); per way, the cold start (first process spawned -> gateway ready).
 * Prints a markdown table and writes it to bench/results/memory.md. Target (issue 25): idle <= 120 MiB.
 * BENCH_MEMORY_DIST_ONLY=1 skips the tsx run (half the time; its columns print "-").
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildKind, repoRoot, type RunningService, waitFor } from "@fedplat/devkit";
import { type Platform, startPlatform, trustedDocuments } from "@fedplat/tests";

// Idle means quiet long enough for V8's memory reducer, which collects the start-up garbage only after
// several seconds of low allocation (the compiled catalog alone: 122 MiB for its first 25-35 s, then 83).
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 60_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DIST_ONLY = process.env.BENCH_MEMORY_DIST_ONLY === "1";
const TARGET_MIB = 120;
const MIB = 1024 * 1024;

interface Census {
  modules: number;
  perPackage: Record<string, number>;
}
interface ProcessMemory {
  idle: number;
  loaded: number;
  census: Census;
}
interface Run {
  readyInMs: number;
  processes: Record<string, ProcessMemory>;
}

/** Resident set size in bytes, from the kernel (VmRSS), so nothing runs inside the measured process. */
function rssOf(service: RunningService): number {
  const status = readFileSync(`/proc/${service.child.pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for ${service.spec.name}`);
  return Number(kib) * 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const docs = trustedDocuments();
function persisted(name: string, variables: Record<string, unknown>) {
  const doc = docs[name];
  if (!doc) throw new Error(`no ${name} in the manifest`);
  return JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: doc.hash } }, variables });
}

/** CONCURRENCY clients for SECONDS: products, the viewer, and every fifth round an order (every process works). */
async function load(platform: Platform, onTick: () => void): Promise<void> {
  const auth = await platform.login("customer@example.com");
  const send = async (name: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(platform.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: persisted(name, variables),
    });
    const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
    if (!res.ok || body.errors) throw new Error(`${name}: ${res.status} ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const products = (await send("Products", { first: 5 })) as { products: { edges: Array<{ node: { id: string } }> } };
  const productId = products.products.edges[0]?.node.id;
  const deadline = Date.now() + SECONDS * 1000;
  const sampler = setInterval(onTick, 200);
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let round = 0; Date.now() < deadline; round++) {
          await send("Products", { first: 10 });
          await send("Me");
          if (round % 5 === 0) await send("PlaceOrder", { input: { lines: [{ productId, quantity: 1 }] } });
        }
      }),
    );
  } finally {
    clearInterval(sampler);
  }
}

async function measure(build: BuildKind, censusDir: string): Promise<Run> {
  const platform = await startPlatform({
    build,
    logLevel: "warn",
    env: {
      NODE_ENV: "production",
      NODE_OPTIONS: `--require ${join(__dirname, "support", "moduleCensus.cjs")}`,
      MEMORY_CENSUS_DIR: censusDir,
    },
  });
  try {
    const services = Object.entries(platform.services);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const idleSamples: Record<string, number[]> = {};
    for (let i = 0; i < 5; i++) {
      for (const [name, service] of services) idleSamples[name] = [...(idleSamples[name] ?? []), rssOf(service)];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const censuses: Record<string, Census> = {};
    for (const [name, service] of services) {
      const file = join(censusDir, `${service.child.pid}.json`);
      rmSync(file, { force: true });
      service.child.kill("SIGUSR2");
      censuses[name] = await waitFor(`${name}'s module census`, () => {
        try {
          return JSON.parse(readFileSync(file, "utf8")) as Census;
        } catch {
          return undefined;
        }
      });
    }
    const peak: Record<string, number> = {};
    await load(platform, () => {
      for (const [name, service] of services) peak[name] = Math.max(peak[name] ?? 0, rssOf(service));
    });
    const processes = Object.fromEntries(
      services.map(([name]) => [
        name,
        { idle: median(idleSamples[name] ?? []), loaded: peak[name] ?? Number.NaN, census: censuses[name] as Census },
      ]),
    );
    return { readyInMs: platform.readyInMs, processes };
  } finally {
    await platform.stop();
  }
}

function topPackages(census: Census, count: number): string {
  return Object.entries(census.perPackage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, modules]) => `${name} ${modules}`)
    .join(", ");
}

async function main(): Promise<void> {
  process.stdout.write("npm run build ...\n");
  execFileSync("npm", ["run", "build", "--silent", "--", "--output-logs=errors-only"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  const censusDir = mkdtempSync(join(tmpdir(), "fedplat-census-"));
  try {
    const source = DIST_ONLY ? undefined : await measure("source", censusDir);
    const dist = await measure("dist", censusDir);
    const mib = (bytes: number | undefined) => (bytes === undefined ? "-" : (bytes / MIB).toFixed(0));
    const rows = Object.keys(dist.processes).map((name) => {
      const before = source?.processes[name];
      const after = dist.processes[name];
      if (!after || (source && !before)) throw new Error(`${name} missing from a run`);
      const mark = after.idle <= TARGET_MIB * MIB ? "" : " (over)";
      return `| ${name} | ${mib(before?.idle)} | ${mib(after.idle)}${mark} | ${mib(before?.loaded)} | ${mib(after.loaded)} | ${before?.census.modules ?? "-"} | ${after.census.modules} |`;
    });
    const gateway = dist.processes.gateway;
    const table = [
      "# Memory per process in production mode (NODE_ENV=production): tsx (before) and compiled dist/ (now)",
      "",
      `| process | idle RSS MiB, tsx | idle RSS MiB, dist | RSS under load MiB, tsx | RSS under load MiB, dist | modules, tsx | modules, dist |`,
      "|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `Cold start, first process spawned -> gateway ready (all seven processes): tsx ${source ? `${(source.readyInMs / 1000).toFixed(1)} s` : "-"}, dist ${(dist.readyInMs / 1000).toFixed(1)} s (target 15 s).`,
      `Idle: median of 5 samples of VmRSS ${SETTLE_MS / 1000} s after the platform was ready (target ${TARGET_MIB} MiB). Load: ${CONCURRENCY} clients for ${SECONDS} s through the gateway`,
      "(persisted Products and Me, every fifth round a PlaceOrder whose saga runs through the workers); the highest VmRSS sampled every 200 ms.",
      "Modules: CommonJS modules in require.cache at idle (bench/support/moduleCensus.cjs).",
      gateway ? `Gateway, dist, most modules per package: ${topPackages(gateway.census, 12)}.` : "",
      `Measured ${new Date().toISOString()} on a ${cpus().length}-core machine shared with other work (Node ${process.version}).`,
      "",
    ].join("\n");
    process.stdout.write(`${table}\n`);
    writeFileSync(join(__dirname, "results", "memory.md"), table);
  } finally {
    rmSync(censusDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
