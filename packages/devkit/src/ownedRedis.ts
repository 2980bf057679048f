import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports";

/** A redis-server (or sentinel) a test owns, on a spare port: stopping it touches nothing else on the machine. */
export interface OwnedRedis {
  port: number;
  url: string;
  process: ChildProcess;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/** Whether something accepts connections on `port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Starts `redis-server` with `args` (a config file first, if any) after --port and --bind, on
 * `port` or a free one; persistence off unless `args` turn it on. Resolves once it accepts
 * connections (fails after 30 s).
 */
export async function startOwnedRedis(args: string[] = [], port?: number): Promise<OwnedRedis> {
  const chosen = port ?? (await freePort());
  // Its files (a replica's copy of the primary's data, say) go to a temporary folder, never the
  // working directory; `args` may name another --dir.
  const dir = mkdtempSync(join(tmpdir(), "own-redis-"));
  const child = spawn("redis-server", [...args, "--port", String(chosen), "--bind", "127.0.0.1"], {
    stdio: "ignore",
    cwd: dir,
  });
  const deadline = Date.now() + 30_000;
  while (!(await listening(chosen))) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server on port ${chosen} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    process: child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
