import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";

/** `npm run db:migration -- <args>` as a user runs it; these cases stop before anything is written. */
const dbMigration = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "scripts/dbMigration.ts"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });

describe("npm run db:migration", () => {
  it("refuses an unknown service and a bad migration name with the usage and exit 2, writing nothing", () => {
    const unknown = dbMigration("catalg", "add_subtitle");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown service "catalg"[\s\S]*services: accounts, catalog, orders, payments, notifications/,
    );
    const badName = dbMigration("catalog", "Add-Subtitle");
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('"Add-Subtitle" is not a migration name');
    const missing = dbMigration("catalog");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("a service and a name are needed");
  });
});
