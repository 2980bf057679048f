import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRedis, type Redis } from "@fedplat/runtime";
import { type OwnedRedis, repoRoot, startOwnedRedis, TEST_IDENTITY_ENV } from "@fedplat/devkit";
import { checkRedisForQueues } from "../src";

jest.setTimeout(60_000);

let evicting: OwnedRedis;
let durable: OwnedRedis;
let dir: string;
const clients: Redis[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "redis-settings-"));
  evicting = await startOwnedRedis(["--save", "", "--appendonly", "no", "--maxmemory-policy", "allkeys-lru"]);
  durable = await startOwnedRedis([
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--maxmemory-policy",
    "noeviction",
  ]);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await evicting?.kill();
  await durable?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const connect = (url: string) => {
  const client = createRedis(url, "redis-settings-test");
  clients.push(client);
  return client;
};
/** A logger that keeps what it was told. */
const recorder = () => {
  const lines: Array<{ level: "info" | "warn"; args: unknown[] }> = [];
  return {
    lines,
    logger: {
      info: (...args: unknown[]) => lines.push({ level: "info", args }),
      warn: (...args: unknown[]) => lines.push({ level: "warn", args }),
    } as never,
  };
};

describe("the workers' check of their Redis", () => {
  it("refuses a Redis that may evict jobs in production, naming the setting, and warns outside production", async () => {
    await expect(
      checkRedisForQueues(connect(evicting.url), { production: true, logger: recorder().logger }),
    ).rejects.toThrow("Redis maxmemory-policy is allkeys-lru: BullMQ needs noeviction");
    const { lines, logger } = recorder();
    await expect(checkRedisForQueues(connect(evicting.url), { production: false, logger })).resolves.toMatchObject({
      maxmemoryPolicy: "allkeys-lru",
      aof: false,
      rdb: false,
    });
    expect(lines).toContainEqual({ level: "warn", args: [expect.stringContaining("maxmemory-policy is allkeys-lru")] });
    expect(lines).toContainEqual({
      level: "warn",
      args: [{ aof: "off", rdb: "off" }, expect.stringContaining("persistence is off")],
    });
  });

  it("accepts noeviction and logs that AOF is on", async () => {
    const { lines, logger } = recorder();
    await expect(checkRedisForQueues(connect(durable.url), { production: true, logger })).resolves.toEqual({
      maxmemoryPolicy: "noeviction",
      aof: true,
      rdb: false,
    });
    expect(lines).toEqual([{ level: "info", args: [{ aof: "on", rdb: "off" }, "Redis persistence"] }]);
  });

  it("stops the workers process at start in production when Redis may evict (exit 1, the message names maxmemory-policy)", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "workers/src/main.ts")], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: "production",
        REDIS_URL: evicting.url,
        ...TEST_IDENTITY_ENV,
        PORT: "0",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain("Redis maxmemory-policy is allkeys-lru: BullMQ needs noeviction");
  });
});
