import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@fedplat/devkit";
import { DATABASE_SERVICES } from "@fedplat/registry";

const run = promisify(execFile);
/** Every service with a database in services.json, and its Prisma folder. */
const SERVICES = DATABASE_SERVICES.map((service) => [service.name, service.database?.prisma ?? ""] as const);

describe("migrations", () => {
  it("belong to services of services.json: every Prisma folder is some service's database.prisma", () => {
    const folders = readdirSync(join(repoRoot, "prisma"), { withFileTypes: true }).filter(
      (entry) => entry.isDirectory() && existsSync(join(repoRoot, "prisma", entry.name, "schema.prisma")),
    );
    expect(folders.map((entry) => `prisma/${entry.name}`).sort()).toEqual(SERVICES.map(([, folder]) => folder).sort());
  });

  it.each(SERVICES)(
    "%s: the committed migrations produce exactly schema.prisma (no drift)",
    async (_service, prismaFolder) => {
      const dir = join(repoRoot, prismaFolder);
      const result = await run(
        join(repoRoot, "node_modules/.bin/prisma"),
        ["migrate", "diff", "--from-migrations", "migrations", "--to-schema-datamodel", "schema.prisma", "--exit-code"],
        { cwd: dir },
      ).then(
        () => ({ code: 0, output: "" }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          output: `${error.stdout}${error.stderr}`,
        }),
      );
      // 0: in sync; 2: drift (create a migration with `prisma migrate diff ... -o`); 1: error
      expect(result).toEqual({ code: 0, output: "" });
    },
    60_000,
  );
});
