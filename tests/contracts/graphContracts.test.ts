import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@fedplat/devkit";

const run = promisify(execFile);

describe("the platform's own graph", () => {
  // The same command CI and developers run: current SDL vs the committed and main's supergraph,
  // and every published client operation (the persisted-documents manifest, once it exists).
  it("passes `npm run schema:check`: no unacknowledged breaking change, no broken client operation", async () => {
    const result = await run(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "tools/src/composition/schemaCheckCli.ts")],
      { cwd: repoRoot },
    ).then(
      ({ stdout }) => ({ code: 0, report: stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        report: `${error.stdout}${error.stderr}`,
      }),
    );
    expect(result.report).toContain("PASSED");
    expect(result.code).toBe(0);
  }, 60_000);
});
