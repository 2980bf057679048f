import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@fedplat/devkit";

const run = promisify(execFile);
const SERVICES = ["accounts", "catalog", "orders", "payments", "notifications"];

describe("migrations", () => {
  it.each(SERVICES)("%s: the committed migrations produce exactly schema.prisma (no drift)", async (service) => {
    const dir = join(repoRoot, "prisma", service);
    const result = await run(join(repoRoot, "node_modules/.bin/prisma"), ["migrate", "diff", "--from-migrations", "migrations", "--to-schema-datamodel", "schema.prisma", "--exit-code"], { cwd: dir }).then(
      () => ({ code: 0, output: "" }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: `${error.stdout}${error.stderr}` }),
    );
    // 0: in sync; 2: drift (create a migration with `prisma migrate diff ... -o`); 1: error
    expect(result).toEqual({ code: 0, output: "" });
  }, 60_000);
});
