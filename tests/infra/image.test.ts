import { globSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GATEWAY, PRODUCTION_MALLOC_ENV, repoRoot } from "@fedplat/devkit";
import { type Copy, DockerfileParser, type Instruction } from "dockerfile-ast";

/**
 * infra/Dockerfile read as Docker reads it (dockerfile-ast): the stages it promises and what each runs.
 * The real proof that they work is tests/e2e/image.e2e.test.ts, which runs the scripts the stages call.
 */
const dockerfile = DockerfileParser.parse(readFileSync(join(repoRoot, "infra/Dockerfile"), "utf8"));
const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
const instructionsOf = (stage: string): Instruction[] => {
  const from = dockerfile.getFROMs().find((candidate) => candidate.getBuildStage() === stage);
  if (!from) throw new Error(`no stage ${stage}`);
  const next = dockerfile.getFROMs()[dockerfile.getFROMs().indexOf(from) + 1];
  return dockerfile
    .getInstructions()
    .filter(
      (i) =>
        i.getRange().start.line > from.getRange().start.line &&
        (!next || i.getRange().start.line < next.getRange().start.line),
    );
};
const argsOf = (instructions: Instruction[], keyword: string) =>
  instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? "");
const nodeMajor = readFileSync(join(repoRoot, ".nvmrc"), "utf8").trim().split(".")[0];

describe("infra/Dockerfile", () => {
  it("has the build, stage, migrate and runtime stages, runtime last (the default target)", () => {
    expect(stages).toEqual(["build", "stage", "migrate", "runtime"]);
    expect(dockerfile.getFROMs().map((from) => from.getImageName())).toEqual(["node", "build", "build", "node"]);
    for (const from of dockerfile.getFROMs().filter((f) => f.getImageName() === "node"))
      expect(from.getImageTag()).toBe(`${nodeMajor}-bookworm-slim`);
  });

  it("installs from the manifests alone before copying the sources, every workspace's manifest included", () => {
    const build = instructionsOf("build");
    const keywords = build.map((i) => `${i.getKeyword()} ${i.getArgumentsContent()}`);
    const install = keywords.indexOf("RUN npm ci --no-audit --no-fund");
    const sources = keywords.indexOf("COPY . .");
    expect(install).toBeGreaterThan(0);
    expect(sources).toBeGreaterThan(install);
    const workspaces = (
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] }
    ).workspaces
      .flatMap((pattern) => globSync(`${pattern}/package.json`, { cwd: repoRoot }))
      .sort();
    const copied = argsOf(build.slice(0, install), "COPY")
      .map((args) => args.split(/\s+/)[0] ?? "")
      .filter((path) => path.endsWith("/package.json"))
      .sort();
    expect(copied).toEqual(workspaces);
    expect(keywords.slice(sources + 1)).toEqual(["RUN scripts/image/build.sh"]);
    expect(argsOf(instructionsOf("stage"), "RUN")).toEqual(["scripts/image/stage.sh /stage"]);
  });

  it("runs the staged tree as a non-root user, in production, with a health check and the gateway by default", () => {
    const runtime = instructionsOf("runtime");
    const copies = runtime.filter((i): i is Copy => i.getKeyword() === "COPY");
    expect(copies.map((copy) => [copy.getFromFlag()?.getValue(), copy.getArgumentsContent()])).toEqual([
      ["stage", "/stage /app"],
    ]);
    expect(argsOf(runtime, "WORKDIR")).toEqual(["/app"]);
    // The allocator settings npm start gives compiled processes (spawnService), the same in the image.
    const malloc = Object.entries(PRODUCTION_MALLOC_ENV).map(([name, value]) => `${name}=${value}`);
    expect(argsOf(runtime, "ENV")).toEqual([["NODE_ENV=production", ...malloc].join(" ")]);
    const user = argsOf(runtime, "USER");
    expect(user).toEqual(["node"]);
    expect(argsOf(runtime, "RUN")).toEqual([]); // nothing installed or written in the runtime stage
    const [healthcheck] = argsOf(runtime, "HEALTHCHECK");
    expect(healthcheck).toMatch(/CMD \["node", "scripts\/image\/healthcheck\.mjs"\]$/);
    const [cmd] = argsOf(runtime, "CMD");
    expect(JSON.parse(cmd ?? "")).toEqual([
      "node",
      "--conditions=fedplat-dist",
      "--import",
      "./packages/telemetry/dist/register.js",
      `${GATEWAY.dir}/dist/main.js`,
    ]);
  });

  it("runs migrations from the build stage as the non-root user", () => {
    expect(argsOf(instructionsOf("migrate"), "USER")).toEqual(["node"]);
  });
});
