/**
 * `npm run dev`: the platform in watch mode.
 * - Every process runs under `node --watch`: a change to a file it imports restarts that process
 *   only (a change in a shared package restarts each process that imports it).
 * - A subgraph's schema.graphql change recomposes the supergraph. When it composes, the subgraph
 *   restarts with its new SDL, then supergraph.graphql is rewritten and the gateway switches to
 *   it without a restart (SUPERGRAPH_POLL_MS; open WebSocket subscriptions stay), and codegen
 *   regenerates resolver types and the typed client. A composition error is printed and the
 *   last good supergraph keeps serving.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GATEWAY,
  repoRoot,
  type RunningService,
  type ServiceSpec,
  SUBGRAPHS,
  spawnService,
  stopService,
  waitUntilReady,
  WORKERS,
} from "@fedplat/devkit";
import { environment } from "@fedplat/runtime";
import { CompositionError, composeSupergraph } from "@fedplat/tools";

const SUPERGRAPH_FILES = ["supergraph.graphql", "infra/k8s/base/supergraph.graphql"];
const specs = [...SUBGRAPHS, WORKERS, GATEWAY];
const width = Math.max(...specs.map((spec) => spec.name.length));
const log = (who: string, line: string) => process.stdout.write(`[${who.padEnd(width)}] ${line}\n`);
const env = { ...environment(), SUPERGRAPH_POLL_MS: environment().SUPERGRAPH_POLL_MS ?? "300" };
const running = new Map<string, RunningService>();

function start(spec: ServiceSpec): RunningService {
  const service = spawnService(spec, {
    port: Number(env[`${spec.name.toUpperCase()}_PORT`] ?? spec.port),
    env,
    onLine: log,
    watch: true,
  });
  running.set(spec.name, service);
  return service;
}

/** Composes from supergraph.yaml; the SDL, or undefined after printing why it does not compose. */
function compose(): string | undefined {
  try {
    const { supergraphSdl } = composeSupergraph(join(repoRoot, "supergraph.yaml"));
    return supergraphSdl;
  } catch (error) {
    const message = error instanceof CompositionError ? error.message : String(error);
    log(
      "dev",
      `\u001b[31mcomposition failed; the gateway keeps serving the last good supergraph:\n${message}\u001b[0m`,
    );
    return undefined;
  }
}

function codegen(): void {
  const child = spawn("npm", ["run", "-s", "codegen"], { cwd: repoRoot, env, stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  child.on("exit", (code) =>
    log("dev", code === 0 ? "codegen: resolver types and typed client regenerated" : `codegen failed:\n${errors}`),
  );
}

/** A subgraph's SDL changed: recompose; when it composes, restart that subgraph, then switch the gateway. */
async function sdlChanged(spec: ServiceSpec): Promise<void> {
  const supergraphSdl = compose();
  if (supergraphSdl === undefined) return;
  const current = readFileSync(join(repoRoot, SUPERGRAPH_FILES[0] ?? ""), "utf8");
  if (current === supergraphSdl) return;
  const previous = running.get(spec.name);
  if (previous) await stopService(previous);
  await waitUntilReady(start(spec));
  for (const file of SUPERGRAPH_FILES) writeFileSync(join(repoRoot, file), supergraphSdl);
  log("dev", `supergraph recomposed after ${spec.name}'s SDL changed; the gateway switches to it`);
  codegen();
}

function watchSchemas(): void {
  let queue = Promise.resolve();
  for (const spec of SUBGRAPHS) {
    const file = join(repoRoot, spec.dir, "src", "schema.graphql");
    if (!existsSync(file)) continue;
    let timer: NodeJS.Timeout | undefined;
    // The folder, not the file: editors save by replacing it.
    watch(join(repoRoot, spec.dir, "src"), (_event, name) => {
      if (name !== "schema.graphql") return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        queue = queue.then(() => sdlChanged(spec)).catch((error: unknown) => log("dev", String(error)));
      }, 150);
    });
  }
}

async function stopAll(code: number): Promise<never> {
  const gateway = running.get(GATEWAY.name);
  if (gateway) await stopService(gateway);
  await Promise.all([...running.values()].map((service) => stopService(service)));
  process.exit(code);
}

async function main(): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stopAll(0));
  await Promise.all([...SUBGRAPHS, WORKERS].map((spec) => waitUntilReady(start(spec))));
  const gateway = start(GATEWAY);
  await waitUntilReady(gateway);
  watchSchemas();
  log("dev", `watching; gateway at http://localhost:${gateway.port}/graphql (Ctrl-C stops)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll(1);
});
