import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { createInterface } from "node:readline";
import { SUPERVISED_ENV } from "@fedplat/runtime";
import { type BuildKind, entryOf, nodeArgsOf, PRODUCTION_MALLOC_ENV, repoRoot, type ServiceSpec } from "./services";

export interface RunningService {
  spec: ServiceSpec;
  port: number;
  /** Where /metrics and /health/* answer when not on `port`: NODE_ENV=production (ADMIN_PORT). */
  adminPort?: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  /** Last lines of output, for error messages. */
  output: string[];
}

export interface SpawnOptions {
  port: number;
  /** ADMIN_PORT of a production process (/metrics and /health/* there); it defaults to 9464, which only one process can hold. */
  adminPort?: number;
  env: NodeJS.ProcessEnv;
  /** Receives each output line; default: dropped (kept in `output`). */
  onLine?: (service: string, line: string) => void;
  /** Load the OpenTelemetry bootstrap (off only to measure what it costs). @default true */
  telemetry?: boolean;
  /** `node --watch`: the process restarts when a file it imports changes (`npm run dev`). @default false */
  watch?: boolean;
  /**
   * Run the TypeScript through tsx, or the compiled dist/ of `npm run build` (what production runs).
   * Not derived from NODE_ENV: tests run production-configured processes from source, with no build step.
   * @default "source"
   */
  build?: BuildKind;
  /**
   * The tree the process runs from, also its working directory: the repository, or the image's file
   * tree that scripts/image/stage.sh staged (compiled, production dependencies only). @default repoRoot
   */
  root?: string;
}

/** Thrown when a compiled entry point is missing: `npm run build` has not run. */
export class MissingBuildError extends Error {
  readonly code = "BUILD_MISSING";
}

const KEEP_LINES = 50;

/**
 * Starts one service as a real child process (`node --import tsx --import <telemetry> <dir>/src/main.ts`,
 * or from dist/ with `build: "dist"`): OpenTelemetry is started before the service's own modules load.
 */
export function spawnService(spec: ServiceSpec, options: SpawnOptions): RunningService {
  const build = options.build ?? "source";
  const root = options.root ?? repoRoot;
  if (build === "dist" && !existsSync(entryOf(spec, "dist", root))) {
    throw new MissingBuildError(
      `${relative(root, entryOf(spec, "dist", root))} does not exist: run \`npm run build\` before starting compiled processes`,
    );
  }
  const watch = options.watch ? ["--watch"] : [];
  const child = spawn(process.execPath, [...watch, ...nodeArgsOf(spec, build, options.telemetry !== false, root)], {
    cwd: root,
    // stdin: a pipe this process never writes to; the service shuts down when it closes, i.e.
    // when this process is gone however it ended (onShutdown in @fedplat/runtime), so a killed
    // test run or supervisor leaves no services behind.
    env: {
      // Compiled processes run as the image runs them (the caller's environment may override).
      ...(build === "dist" ? PRODUCTION_MALLOC_ENV : {}),
      ...options.env,
      PORT: String(options.port),
      ...(options.adminPort === undefined ? {} : { ADMIN_PORT: String(options.adminPort) }),
      [SUPERVISED_ENV]: "stdin",
    },
    stdio: ["pipe", "pipe", "pipe"],
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops each
    // service once, in order, instead of every process receiving two signals.
    detached: true,
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      if (output.length > KEEP_LINES) output.shift();
      options.onLine?.(spec.name, line);
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  // In production a process serves health and metrics on its admin port only (adminListenerOf).
  const adminPort =
    options.env.NODE_ENV === "production" ? (options.adminPort ?? Number(options.env.ADMIN_PORT ?? 9464)) : undefined;
  return { spec, port: options.port, adminPort, child, exited, output };
}

/** Base URL of a service's /metrics and /health/*: its admin port in production, else its own port. */
export function adminBaseOf(service: RunningService): string {
  return `http://127.0.0.1:${service.adminPort ?? service.port}`;
}

/**
 * Polls /health/ready until it answers 200. Fails early when the process exits, and after
 * `timeoutMs` with the process's last output, so a broken start explains itself.
 */
export async function waitUntilReady(service: RunningService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void service.exited.then((code) => (exitedWith = code));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(
        `${service.spec.name} exited (${exitedWith}) before it was ready:\n${service.output.slice(-15).join("\n")}`,
      );
    }
    try {
      const response = await fetch(`${adminBaseOf(service)}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${service.spec.name} was not ready within ${timeoutMs} ms:\n${service.output.slice(-15).join("\n")}`,
  );
}

/** SIGTERM (graceful: drain, close pools), then SIGKILL after `graceMs`. */
export async function stopService(service: RunningService, graceMs = 10_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill("SIGTERM");
  const timer = setTimeout(() => service.child.kill("SIGKILL"), graceMs);
  await service.exited;
  clearTimeout(timer);
}
