import pg from "pg";
import { createTestDatabase, freePort, GATEWAY, spawnService, waitUntilReady } from "../src";

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
    expect(Number(await scalar<string>(database.url, 'SELECT count(*) AS value FROM "orders"."orders"'))).toBeGreaterThanOrEqual(1_000);
    await database.drop();
    const admin = database.url.replace(/\/[^/]+$/, "/postgres");
    expect(await scalar<boolean>(admin, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${database.name}') AS value`)).toBe(false);
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
    await expect(waitUntilReady(service, 30_000)).rejects.toThrow(/gateway exited \(1\) before it was ready:[\s\S]*JWT_SECRET/);
  }, 40_000);
});
