import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";
import { parse } from "yaml";

const read = (file: string) => readFileSync(join(repoRoot, file), "utf8");

describe("the README quick start", () => {
  const readme = read("README.md");
  const quickStart = /## Quick start\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

  it("has a quick start that is `npm start` and `npm test`", () => {
    const commands = [...quickStart.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)]
      .flatMap((m) => (m[1] ?? "").split("\n"))
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm start", "npm test"]);
  });

  it("`npm start` prepares, then starts every process", () => {
    expect(scripts.start).toBe("node scripts/setup.mjs && node --import tsx scripts/start.ts");
    expect(existsSync(join(repoRoot, "scripts/setup.mjs"))).toBe(true);
    expect(existsSync(join(repoRoot, "scripts/start.ts"))).toBe(true);
  });

  it("`npm test` prepares the same way and runs `turbo run test`", () => {
    expect(scripts.test).toMatch(/^node scripts\/setup\.mjs --test && turbo run test\b/);
  });

  it("CI runs exactly `npm test`", () => {
    const ci = read(".ci/run");
    expect(
      ci
        .split("\n")
        .filter((line) => /^\s*npm\b/.test(line))
        .map((line) => line.trim()),
    ).toEqual(["npm test"]);
  });

  it("the docker compose file the error messages point to provides PostgreSQL and Redis", () => {
    const compose = parse(read("infra/docker-compose.yml")) as { services: Record<string, { image?: string }> };
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
  });

  it("lists the demo accounts", () => {
    for (const email of ["admin@example.com", "staff@example.com", "customer@example.com"])
      expect(readme).toContain(email);
    expect(readme).toContain("Passw0rd!");
  });
});
