import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestDatabase, repoRoot } from "@fedplat/devkit";
import { Client } from "pg";
import { copyRepo } from "../fixtures/repoCopy";

jest.setTimeout(240_000);

/** `npm run db:migration -- <args>` as a user runs it, in `root` (the checkout: only cases that write nothing). */
const dbMigration = (args: string[], root = repoRoot, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts/dbMigration.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    env,
  });

describe("npm run db:migration", () => {
  it("refuses an unknown service and a bad migration name with the usage and exit 2, writing nothing", () => {
    const unknown = dbMigration(["catalg", "add_subtitle"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown service "catalg"[\s\S]*services: accounts, catalog, orders, payments, notifications/,
    );
    const badName = dbMigration(["catalog", "Add-Subtitle"]);
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('"Add-Subtitle" is not a migration name');
    const missing = dbMigration(["catalog"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("a service and a name are needed");
  });

  it("writes the migration of a schema.prisma change, and nothing when there is none", async () => {
    const copy = copyRepo();
    const database = await createTestDatabase();
    try {
      const env = { ...process.env, DATABASE_URL: database.url };
      const migrations = join(copy.dir, "prisma/catalog/migrations");
      const before = readdirSync(migrations);
      const unchanged = dbMigration(["catalog", "nothing_changed"], copy.dir, env);
      expect(unchanged.stdout).toContain("catalog: schema.prisma matches its migrations; nothing to write.");
      expect(unchanged.status).toBe(0);
      expect(readdirSync(migrations)).toEqual(before);

      const schemaFile = join(copy.dir, "prisma/catalog/schema.prisma");
      const schema = readFileSync(schemaFile, "utf8");
      const edited = schema.replace(/model Product \{\n/, (head) => `${head}  subtitle String?\n`);
      expect(edited).not.toBe(schema);
      writeFileSync(schemaFile, edited);
      const written = dbMigration(["catalog", "add_subtitle"], copy.dir, env);
      expect(written.status).toBe(0);
      const created = readdirSync(migrations).filter((entry) => !before.includes(entry));
      expect(created).toEqual([expect.stringMatching(/^\d{14}_add_subtitle$/)]);
      expect(written.stdout).toContain(`Wrote prisma/catalog/migrations/${created[0]}/migration.sql`);
      expect(readFileSync(join(migrations, created[0] ?? "", "migration.sql"), "utf8")).toMatch(
        /ALTER TABLE "products" ADD COLUMN\s+"subtitle" TEXT;/,
      );
      // Written, not applied: the database has no such column.
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const applied = await client
        .query(
          "SELECT 1 FROM information_schema.columns WHERE table_schema = 'catalog' AND table_name = 'products' AND column_name = 'subtitle'",
        )
        .finally(() => client.end());
      expect(applied.rowCount).toBe(0);
    } finally {
      await database.drop();
      copy.remove();
    }
  });
});
