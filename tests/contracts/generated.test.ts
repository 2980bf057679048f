import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@fedplat/devkit";

const run = promisify(execFile);

async function exitOf(command: string, args: string[]) {
  return run(command, args, { cwd: repoRoot }).then(
    () => ({ code: 0, output: "" }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: `${error.stdout}${error.stderr}`.split("\n").slice(-8).join("\n"),
    }),
  );
}

describe("generated files are reproducible", () => {
  it("supergraph.yaml, codegen.yml and the Kubernetes migration Job are what services.json generates (run `npm run generate:config` when this fails)", async () => {
    expect(await exitOf(process.execPath, ["--import", "tsx", "tools/src/generateConfigCli.ts", "--check"])).toEqual({
      code: 0,
      output: "",
    });
  }, 60_000);

  it("resolver types, the typed client and the persisted-documents manifest match their SDL and operations (run `npm run codegen` when this fails)", async () => {
    expect(
      await exitOf(join(repoRoot, "node_modules/.bin/graphql-codegen"), ["--config", "codegen.yml", "--check"]),
    ).toEqual({ code: 0, output: "" });
  }, 60_000);

  it("supergraph.graphql and its copy in infra/k8s/base match supergraph.yaml (run `npm run compose` when this fails)", async () => {
    expect(await exitOf(process.execPath, ["--import", "tsx", "tools/src/composition/cli.ts", "--check"])).toEqual({
      code: 0,
      output: "",
    });
  }, 60_000);
});
