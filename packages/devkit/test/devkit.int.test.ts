import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import {
  createTestDatabase,
  freePort,
  GATEWAY,
  spawnService,
  stopService,
  TEST_IDENTITY_ENV,
  TEST_JWT_SECRET,
  waitUntilReady,
} from "../src";

async function scalar<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0]?.value as T;
  } finally {
    await client.end();
  }
}

describe("test databases", () => {
  it("clones the seeded template into a private database and drops it afterwards", async () => {
    const database = await createTestDatabase();
    expect(
      Number(await scalar<string>(database.url, 'SELECT count(*) AS value FROM "orders"."orders"')),
    ).toBeGreaterThanOrEqual(1_000);
    await database.drop();
    const admin = database.url.replace(/\/[^/]+$/, "/postgres");
    expect(
      await scalar<boolean>(
        admin,
        `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${database.name}') AS value`,
      ),
    ).toBe(false);
  });

  it("explains what to run when the template is missing", async () => {
    await expect(createTestDatabase(undefined, "no_such_template")).rejects.toThrow(/run `npm test`/);
  });
});

describe("process supervisor", () => {
  it("hands out distinct free ports", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it("reports a process that dies before it is ready, with its output", async () => {
    const service = spawnService(GATEWAY, { port: await freePort(), env: { ...process.env, JWT_SECRET: "too-short" } });
    try {
      // A generous deadline: next to the whole suite on two cores, loading the gateway's modules
      // has taken over 30 s (CI); the assertion is about how the failure is reported.
      await expect(waitUntilReady(service, 120_000)).rejects.toThrow(
        /gateway exited \(1\) before it was ready:[\s\S]*JWT_SECRET/,
      );
    } finally {
      await stopService(service, 1_000);
    }
  }, 150_000);

  it("leaves no service running when the supervisor itself is killed (SIGKILL: no chance to stop them)", async () => {
    /** Running, and not a zombie waiting for a parent that is gone to reap it. */
    const running = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    const database = await createTestDatabase();
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ...TEST_IDENTITY_ENV,
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
    };
    const supervisor = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "fixtures", "superviseCatalog.ts")],
      { env, stdio: ["ignore", "pipe", "inherit"] },
    );
    let pid = 0;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        createInterface({ input: supervisor.stdout }).once("line", (line) => resolve(Number(line)));
        supervisor.once("exit", (code) =>
          reject(new Error(`the supervisor exited (${code}) before its service was ready`)),
        );
      });
      expect(running(pid)).toBe(true);
      supervisor.kill("SIGKILL");
      const deadline = Date.now() + 20_000;
      while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(running(pid)).toBe(false);
    } finally {
      supervisor.kill("SIGKILL");
      if (pid && running(pid)) process.kill(pid, "SIGKILL");
      await database.drop();
    }
  }, 120_000);
});
