/** `npm run dlq` reads its command line strictly: a typo exits 2 before anything touches Redis. */
import { execFile } from "node:child_process";
import { repoRoot } from "@fedplat/devkit";

function dlq(...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "workers/src/cli/dlq.ts", ...args],
      // A closed port: if the CLI went as far as Redis, the test would hang or fail, not pass.
      // Each call is a cold tsx start (seconds on a busy machine): one call per test.
      { cwd: repoRoot, env: { ...process.env, REDIS_URL: "redis://127.0.0.1:9" } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run dlq (command line)", () => {
  it("prints its usage on --help and exits 0", async () => {
    const { code, stdout, stderr } = await dlq("--help");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^usage: npm run dlq -- <command> \[options\]$/m);
    expect(stdout).toContain("replay --all [queue]");
  }, 60_000);

  it("rejects an unknown flag with exit code 2, naming it, and the usage", async () => {
    const { code, stdout, stderr } = await dlq("replay", "--al", "events-payments");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^Unknown option '--al'/);
    expect(stderr).toContain("usage: npm run dlq");
  }, 60_000);

  it("rejects --all with a command other than replay or discard", async () => {
    expect(await dlq("show", "--all")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--all goes with replay or discard"),
    });
  }, 60_000);

  it("rejects a list limit that is not a number", async () => {
    expect(await dlq("list", "ten")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('list takes a positive number, not "ten"'),
    });
  }, 60_000);
});
