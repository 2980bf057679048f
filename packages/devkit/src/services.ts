import { join, resolve } from "node:path";
import { registry, SERVICES } from "@fedplat/registry";

/** The repository root (this file is packages/devkit/src/services.ts). */
export const repoRoot = resolve(__dirname, "../../..");

/** A process the platform runs (services.json): what `npm start` and the tests spawn. */
export interface ServiceSpec {
  name: string;
  /** Package folder, relative to the repository root. */
  dir: string;
  /** Default port. */
  port: number;
}

/** Subgraphs with a process of their own, from services.json (operations is served by the workers). */
export const SUBGRAPHS: readonly ServiceSpec[] = SERVICES.filter((service) => service.process === service.name).map(
  (service) => ({ name: service.name, dir: service.folder, port: service.port }),
);
export const WORKERS: ServiceSpec = { name: "workers", dir: registry.workers.folder, port: registry.workers.port };
export const GATEWAY: ServiceSpec = { name: "gateway", dir: registry.gateway.folder, port: registry.gateway.port };

/** The process spec of the process that serves subgraph `name` (itself, or its host). */
export function processOf(name: string): ServiceSpec {
  const service = SERVICES.find((candidate) => candidate.name === name);
  const process = [...SUBGRAPHS, WORKERS, GATEWAY].find((spec) => spec.name === (service?.process ?? name));
  if (!process) throw new Error(`no process serves "${name}" (services.json)`);
  return process;
}

/**
 * What a process runs: its TypeScript through tsx (development, tests), or the JavaScript that
 * `npm run build` compiled into each package's dist/ (production: `npm start` with NODE_ENV=production,
 * the container image). See docs/build.md.
 */
export type BuildKind = "source" | "dist";

/**
 * The export condition that points workspace packages at their dist/ (package.json "exports"); without
 * it they resolve to src/, so development and tests never pick up a stale build by accident.
 */
export const DIST_CONDITION = "fedplat-dist";

/** A process's entry point under `root`: the repository, or a staged image tree (scripts/image/stage.sh). */
export function entryOf(spec: ServiceSpec, build: BuildKind = "source", root = repoRoot): string {
  return build === "dist" ? join(root, spec.dir, "dist", "main.js") : join(root, spec.dir, "src", "main.ts");
}

/** The OpenTelemetry bootstrap every process loads with `--import` (packages/telemetry). */
export const telemetryRegister = join(repoRoot, "packages", "telemetry", "src", "register.ts");
/** The compiled bootstrap, relative to the root (the repository or the image's /app). */
export const TELEMETRY_REGISTER_DIST = join("packages", "telemetry", "dist", "register.js");

/**
 * The node arguments that run a process: the OpenTelemetry bootstrap first (`--import`, so its
 * instrumentations patch modules before the service requires them), then the entry point. Paths are
 * absolute; docker-compose and the Kubernetes manifests use the same ones relative to the image's /app.
 */
export function nodeArgsOf(spec: ServiceSpec, build: BuildKind, telemetry = true, root = repoRoot): string[] {
  if (build === "source") {
    return ["--import", "tsx", ...(telemetry ? ["--import", telemetryRegister] : []), entryOf(spec)];
  }
  return [
    `--conditions=${DIST_CONDITION}`,
    ...(telemetry ? ["--import", join(root, TELEMETRY_REGISTER_DIST)] : []),
    entryOf(spec, "dist", root),
  ];
}

/**
 * glibc's allocator settings for every compiled (production) process: `npm start` and the tests'
 * supervisor set them (spawnService), infra/Dockerfile's runtime stage sets the same (held equal by
 * tests/infra/image.test.ts). By default glibc serves large blocks from its heaps once one has been
 * freed (its mmap threshold rises) and gives each thread an arena, so what start-up allocated and
 * freed (Prisma's engine compilation, the JIT's zones) stayed resident and an idle process's RSS
 * varied by up to 10 MiB between runs. A fixed threshold returns large blocks to the system when
 * freed; two arenas for the few threads that allocate. Measured: docs/build.md.
 */
export const PRODUCTION_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
};

/**
 * The gateway's SUBGRAPH_<NAME>_URL variables for every subgraph of services.json, each at the
 * process that serves it (operations: the workers), on the port `portOf(process)` says.
 */
export function subgraphUrlOverrides(
  portOf: (process: string) => number | undefined,
  host = "127.0.0.1",
): Record<string, string> {
  return Object.fromEntries(
    SERVICES.map((service) => [service.env.subgraphUrl, `http://${host}:${portOf(service.process)}/graphql`]),
  );
}
