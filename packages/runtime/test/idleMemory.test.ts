import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Starts the fixture with IDLE_MEMORY_RELEASE_MS; `read()` asks for the young generation's size. */
function start(idleMs: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", "tsx", join(__dirname, "fixtures", "idleProcess.ts")],
    { env: { ...process.env, IDLE_MEMORY_RELEASE_MS: idleMs } },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value)) as { youngMiB: number };
  return {
    first: next,
    read: async () => {
      child.stdin.write("size\n");
      return next();
    },
    stop: () => child.stdin.write("exit\n"),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("releaseMemoryWhenIdle", () => {
  it("shrinks the young generation a burst grew once the process has been quiet", async () => {
    const quiet = start("1000");
    const grown = await quiet.first();
    expect(grown.youngMiB).toBeGreaterThanOrEqual(16);
    await sleep(3_500);
    const after = await quiet.read();
    quiet.stop();
    expect(after.youngMiB).toBeLessThanOrEqual(4);
  }, 30_000);

  it("keeps it with IDLE_MEMORY_RELEASE_MS=0", async () => {
    const off = start("0");
    const grown = await off.first();
    await sleep(3_500);
    const after = await off.read();
    off.stop();
    expect(after.youngMiB).toBe(grown.youngMiB);
  }, 30_000);
});
