import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";
import { parse } from "yaml";

type Step = { run?: string; uses?: string };
type Workflow = {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; services?: Record<string, { image: string }> }>;
};

describe("the hosted CI workflow", () => {
  const workflow = parse(readFileSync(join(repoRoot, ".github/workflows/ci.yml"), "utf8")) as Workflow;
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts;
  const runs = Object.values(workflow.jobs).flatMap((job) =>
    job.steps.map((step) => step.run).filter((run): run is string => Boolean(run)),
  );

  it("lints, typechecks, tests and audits with scripts that exist", () => {
    expect(runs).toEqual(
      expect.arrayContaining(["npm run lint", "npm run typecheck", "npm test", "npm audit --audit-level=high"]),
    );
    for (const run of runs) {
      const script = /^npm run (\S+)/.exec(run)?.[1];
      if (script) expect(scripts[script] ? script : `${run}: no such script`).toBe(script);
    }
  });

  it("gives the tests PostgreSQL 15 and Redis 7, as the machines .ci/run targets have", () => {
    expect(workflow.jobs.test?.services?.postgres?.image).toMatch(/^postgres:15/);
    expect(workflow.jobs.test?.services?.redis?.image).toMatch(/^redis:7/);
  });
});
