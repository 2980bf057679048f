import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@fedplat/devkit";
import { waitFor } from "./helpers";

/** A redis-server (or sentinel) a test owns, on a spare port: stopping it touches nothing else on the machine. */
export interface OwnRedis {
  port: number;
  url: string;
  process: ChildProcess;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/** Resolves once something accepts connections on `port`. */
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
 * `port` or a free one; persistence off unless `args` turn it on.
 */
export async function startOwnRedis(args: string[] = [], port?: number): Promise<OwnRedis> {
  const chosen = port ?? (await freePort());
  // Its files (a replica's copy of the primary's data, say) go to a temporary folder, never the
  // working directory; `args` may name another --dir.
  const dir = mkdtempSync(join(tmpdir(), "own-redis-"));
  const child = spawn("redis-server", [...args, "--port", String(chosen), "--bind", "127.0.0.1"], { stdio: "ignore", cwd: dir });
  await waitFor(`redis-server on port ${chosen}`, () => listening(chosen));
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
