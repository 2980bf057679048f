import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configurationDoc, envExample } from "../src/config/configDocs";
import { allSections, PROCESS_SECTIONS } from "../src/config/processSections";

const root = join(__dirname, "../..");
const SECRET = "s".repeat(40);

/** `npm run config -- <args>` as a user runs it, with a configuration file of its own. */
function config(args: string[], yaml?: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "fedplat-config-cli-"));
  const file = join(dir, "fedplat.config.yaml");
  writeFileSync(file, yaml ?? "");
  return spawnSync(process.execPath, ["--import", "tsx", join(root, "tools/src/config/cli.ts"), ...args], {
    cwd: root, // where tsx resolves; the file comes from FEDPLAT_CONFIG
    encoding: "utf8",
    env: { PATH: process.env.PATH, FEDPLAT_CONFIG: file, JWT_SECRET: SECRET, ...env },
  });
}

describe("npm run config", () => {
  it("keeps docs/configuration.md and .env.example generated from the schemas", () => {
    expect(readFileSync(join(root, "docs/configuration.md"), "utf8")).toBe(
      configurationDoc(allSections(), PROCESS_SECTIONS, root),
    );
    expect(readFileSync(join(root, ".env.example"), "utf8")).toBe(envExample(allSections(), root));
  });

  it("prints the file's values with the environment on top, secrets masked", () => {
    const result = config(
      ["--print", "--process", "gateway"],
      "gateway:\n  limits:\n    maxDepth: 7\n    maxAliases: 3\n",
      { GRAPHQL_MAX_ALIASES: "9" },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/limits:\n\s+maxDepth: 7\n/);
    expect(result.stdout).toMatch(/maxAliases: 9\n/);
    expect(result.stdout).toContain('secret: "***"');
    expect(result.stdout).not.toContain(SECRET);
  });

  it("refuses a bad value, an unknown option and an unknown section, naming each, with exit 1", () => {
    const result = config(["--check"], "gateway:\n  limits:\n    maxDepth: deep\n    maxDepht: 3\nmystery: {}\n");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("mystery: unknown section");
    const bad = config(["--check"], "gateway:\n  limits:\n    maxDepth: deep\n    maxDepht: 3\n");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/gateway\.limits\.maxDepth: .*\(currently: "deep", in .*fedplat\.config\.yaml\)/);
    expect(bad.stderr).toContain("gateway.limits.maxDepht: unknown option");
    expect(bad.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it("answers an unknown flag with the usage and exit 2", () => {
    const result = config(["--prnt"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--prnt'[\s\S]*Usage: npm run config/);
  });
});
