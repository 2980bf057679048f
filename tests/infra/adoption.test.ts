/**
 * The files a newcomer's tools read (issue 26): one Node version everywhere, the licences, editor
 * and devcontainer configuration that point at things that exist, Renovate groups that match
 * real dependencies. Each assertion names the file to fix.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@fedplat/devkit";
import { parse } from "yaml";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
/** JSON with // comments (devcontainer.json is JSONC). */
const readJsonc = (path: string) => JSON.parse(read(path).replace(/^\s*\/\/.*$/gm, ""));
type Manifest = { name: string; license?: string; engines?: { node?: string } } & Record<
  "dependencies" | "devDependencies",
  Record<string, string> | undefined
>;
const lock = JSON.parse(read("package-lock.json")) as {
  packages: Record<string, { license?: string; version?: string }>;
};
const workspaceFolders = Object.keys(lock.packages).filter((path) => !path.includes("node_modules/"));
const manifests = workspaceFolders.map((folder) => JSON.parse(read(join(folder, "package.json"))) as Manifest);

describe("one Node version", () => {
  const major = read(".nvmrc").trim();

  it("is 24 in .nvmrc, the image, the workflow and .ci/run; engines accept 22 and later", () => {
    expect(major).toBe("24");
    expect(read("infra/Dockerfile")).toMatch(new RegExp(`^FROM node:${major}-`, "m"));
    expect(read(".ci/run")).toMatch(new RegExp(`^NODE_VERSION=${major}\\.\\d+\\.\\d+$`, "m"));
    expect(read(".ci/run")).toMatch(/^NODE_INTEGRITY=sha512-[A-Za-z0-9+/]{86}==$/m);
    const workflow = parse(read(".github/workflows/ci.yml")) as {
      jobs: Record<
        string,
        { strategy?: { matrix?: { node?: number[] } }; steps: Array<{ with?: Record<string, unknown> }> }
      >;
    };
    for (const [name, job] of Object.entries(workflow.jobs))
      for (const step of job.steps.filter((s) => s.with && ("node-version" in s.with || "node-version-file" in s.with)))
        expect([name, step.with?.["node-version-file"] ?? job.strategy?.matrix?.node]).toEqual([
          name,
          step.with?.["node-version-file"] ? ".nvmrc" : [24, 22],
        ]);
    expect(manifests[0]?.engines?.node).toBe(">=22");
  });

  it("installs with npm ci in CI: the workflow never runs npm install, setup uses npm ci when CI is set", () => {
    expect(read(".github/workflows/ci.yml")).not.toMatch(/npm (install|i)\b/);
    expect(read(".ci/run")).toMatch(/^export CI=/m);
    expect(read("scripts/setup.mjs")).toContain('run("npm", ["ci"');
  });
});

describe("licences", () => {
  it("MIT for the project: LICENSE and every workspace's package.json", () => {
    expect(read("LICENSE")).toMatch(/^MIT License\n/);
    for (const manifest of manifests) expect([manifest.name, manifest.license]).toEqual([manifest.name, "MIT"]);
  });

  it("names in docs/licensing.md every locked package under the Elastic License 2.0", () => {
    const elastic = Object.entries(lock.packages)
      .filter(([, entry]) => entry.license === "Elastic-2.0")
      .map(([path]) => path.replace(/^.*node_modules\//, ""));
    expect(elastic).toContain("@apollo/gateway");
    const page = read("docs/licensing.md");
    for (const name of elastic)
      expect(page.includes(`\`${name}\``) ? name : `docs/licensing.md misses ${name}`).toBe(name);
    expect(read("README.md")).toMatch(/^## Licence$/m);
  });
});

describe("editor and container configuration", () => {
  it("graphql.config.yml reads the supergraph and the typed client's operations", () => {
    const config = parse(read("graphql.config.yml")) as { schema: string; documents: string };
    expect(existsSync(join(repoRoot, config.schema))).toBe(true);
    const folder = config.documents.replace(/\/\*\*.*$/, "");
    expect(readdirSync(join(repoRoot, folder)).filter((file) => file.endsWith(".ts")).length).toBeGreaterThan(0);
  });

  it("recommends the Biome, GraphQL and Prisma extensions", () => {
    const { recommendations } = JSON.parse(read(".vscode/extensions.json")) as { recommendations: string[] };
    expect(recommendations).toEqual(
      expect.arrayContaining(["biomejs.biome", "graphql.vscode-graphql", "prisma.prisma"]),
    );
  });

  it("the devcontainer runs beside the compose file's PostgreSQL and Redis", () => {
    const devcontainer = readJsonc(".devcontainer/devcontainer.json") as {
      dockerComposeFile: string[];
      service: string;
      runServices: string[];
    };
    const services = Object.assign(
      {},
      ...devcontainer.dockerComposeFile.map(
        (file) => (parse(read(join(".devcontainer", file)), { merge: true }) as { services: object }).services,
      ),
    ) as Record<string, { environment?: Record<string, string> }>;
    expect(devcontainer.dockerComposeFile).toContain("../infra/docker-compose.yml");
    expect(devcontainer.runServices.sort()).toEqual([devcontainer.service, "postgres", "redis"].sort());
    for (const name of devcontainer.runServices)
      expect(services[name] ? name : `no compose service ${name}`).toBe(name);
    expect(services[devcontainer.service]?.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(services[devcontainer.service]?.environment?.REDIS_URL).toMatch(/@redis:6379$/);
  });

  it("has SECURITY.md and CONTRIBUTING.md, whose links to docs/ resolve", () => {
    for (const file of ["SECURITY.md", "CONTRIBUTING.md"])
      for (const [, target] of read(file).matchAll(/\]\(((?:docs\/)?[\w./-]+\.md)\)/g))
        expect(existsSync(join(repoRoot, target ?? "")) ? target : `${file} links a missing ${target}`).toBe(target);
  });
});

describe("Renovate", () => {
  const config = JSON.parse(read("renovate.json")) as {
    packageRules: Array<{ groupName?: string; matchPackageNames?: string[] }>;
  };
  const declared = new Set(
    manifests.flatMap((m) => [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})]),
  );
  /** Renovate's glob: `@scope/**` matches the scope's packages, anything else the exact name. */
  const matches = (pattern: string, name: string) =>
    pattern.endsWith("/**") ? name.startsWith(pattern.slice(0, -2)) : pattern === name;

  it("groups apollo, prisma, opentelemetry and graphql-codegen, each matching declared dependencies", () => {
    const groups = config.packageRules.filter((rule) => rule.groupName);
    expect(groups.map((rule) => rule.groupName)).toEqual(
      expect.arrayContaining(["apollo", "prisma", "opentelemetry", "graphql-codegen"]),
    );
    for (const rule of groups)
      for (const pattern of rule.matchPackageNames ?? [])
        expect(
          [...declared].some((name) => matches(pattern, name))
            ? pattern
            : `${rule.groupName}: ${pattern} matches nothing`,
        ).toBe(pattern);
  });
});
