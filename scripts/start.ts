/**
 * `npm start` (after scripts/setup.mjs): runs every subgraph, the workers and the gateway as
 * child processes, waits for each to be ready, prints the gateway URL and stays up until
 * Ctrl-C, then stops them all gracefully. Any process dying takes the platform down with it,
 * so a half-started platform never keeps running.
 *
 * With NODE_ENV=production the processes run the compiled JavaScript of `npm run build` (dist/),
 * which this runs first: turbo rebuilds only the packages whose sources changed, so it is a cache
 * hit when nothing did, and a stale dist/ is never started. Otherwise they run TypeScript through tsx.
 */
import { spawnSync } from "node:child_process";
import {
  type BuildKind,
  GATEWAY,
  repoRoot,
  type RunningService,
  SUBGRAPHS,
  spawnService,
  stopService,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import { defineSection, environment, envVars, loadConfig, processSection } from "@fedplat/runtime";
import { z } from "zod";

const COLORS = [36, 33, 35, 32, 34, 91, 96];
const color = (index: number, text: string) => `\u001b[${COLORS[index % COLORS.length]}m${text}\u001b[0m`;
const names = [...SUBGRAPHS, WORKERS, GATEWAY].map((spec) => spec.name);

/** `npm start`'s port of each process: `<NAME>_PORT` (ACCOUNTS_PORT=5001), else the registry's. */
const startPortsSection = defineSection({
  path: "start.ports",
  schema: z.object(
    Object.fromEntries(
      [...SUBGRAPHS, WORKERS, GATEWAY].map((spec) => [
        spec.name,
        envVars.port(spec.port).describe(`The ${spec.name} process's port under npm start`),
      ]),
    ),
  ),
  env: { names: Object.fromEntries(names.map((name) => [name, `${name.toUpperCase()}_PORT`])) },
});
const config = loadConfig({ process: processSection, ports: startPortsSection });
const width = Math.max(...names.map((name) => name.length));

function printLine(service: string, line: string): void {
  process.stdout.write(`${color(names.indexOf(service), `[${service.padEnd(width)}]`)} ${line}\n`);
}

const running: RunningService[] = [];
let stopping: Promise<never> | undefined;

function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    console.log("\nStopping the platform...");
    // Gateway first so no new requests reach subgraphs that are shutting down.
    await Promise.all(running.filter((s) => s.spec === GATEWAY).map((s) => stopService(s)));
    await Promise.all(running.filter((s) => s.spec !== GATEWAY).map((s) => stopService(s)));
    console.log("Stopped.");
    process.exit(code);
  })();
  return stopping;
}

/** With NODE_ENV=production each process serves /metrics and /health/* on an admin port of its own: 9464, 9465, ... */
const adminPortOf = (spec: typeof GATEWAY) =>
  config.process.nodeEnv === "production" ? 9464 + names.indexOf(spec.name) : undefined;

const build: BuildKind = config.process.nodeEnv === "production" ? "dist" : "source";

/** `npm run build` (turbo, cached), before anything starts; a failed build stops here with its output shown. */
function buildFirst(): void {
  console.log("NODE_ENV=production: compiling (npm run build) ...");
  const result = spawnSync("npm", ["run", "build", "--silent", "--", "--output-logs=errors-only"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status ?? result.signal}): not starting`);
}

function start(spec: typeof GATEWAY): RunningService {
  const service = spawnService(spec, {
    build,
    port: config.ports[spec.name] ?? spec.port,
    adminPort: adminPortOf(spec),
    env: environment(), // the children load their own configuration from it (and the same file)
    onLine: printLine,
  });
  running.push(service);
  void service.exited.then((code) => {
    if (!stopping) {
      console.error(`\n${spec.name} exited unexpectedly (${code}).`);
      void stopAll(1);
    }
  });
  return service;
}

async function main(): Promise<void> {
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  process.on("SIGHUP", () => void stopAll(0));
  if (build === "dist") buildFirst();
  const startedAt = Date.now();
  const backends = [...SUBGRAPHS, WORKERS].map(start);
  await Promise.all(backends.map((service) => waitUntilReady(service)));
  const gateway = start(GATEWAY);
  await waitUntilReady(gateway);
  const url = `http://localhost:${gateway.port}/graphql`;
  console.log(`
  \u001b[1mGateway ready: ${url}\u001b[0m   (open it in a browser for Apollo Sandbox)
  All ${running.length} processes ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${build === "dist" ? "compiled dist/" : "TypeScript through tsx"}).
  Subgraphs: ${backends
    .filter((s) => s.spec !== WORKERS)
    .map((s) => `${s.spec.name} :${s.port}`)
    .join(", ")}; workers admin :${backends.find((s) => s.spec === WORKERS)?.port}
  Demo logins (password Passw0rd! unless SEED_PASSWORD was set): admin@example.com, staff@example.com, customer@example.com
  Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll(1);
});
