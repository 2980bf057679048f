import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { adminBaseOf, DIST_CONDITION, repoRoot } from "@fedplat/devkit";
import { type Platform, startPlatform, trustedDocuments } from "../fixtures";

// scripts/image/build.sh is turbo cache hits when nothing changed; stage.sh's `npm ci --omit=dev` from the
// npm cache takes 1-2 min on 2 busy cores.
jest.setTimeout(900_000);
const run = promisify(execFile);

/**
 * The production image without a Docker engine: infra/Dockerfile's stages are scripts/image/build.sh and
 * scripts/image/stage.sh, so this runs them, makes the staged tree read-only, and runs the whole platform
 * from it as the image does: NODE_ENV=production, compiled dist/, production dependencies only, from a
 * tree its user cannot write to (chmod a-w; and, since root ignores that, the tree's listing is compared
 * before and after: no process wrote to it).
 */
let stage: string;
let platform: Platform;
let before: string[];

/** Every path under `dir` with its size and mode: what a write to the tree would change. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    out.push(`${relative(stage, path)} ${stat.size} ${stat.mode.toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return out.sort();
}

/** The staged files outside node_modules, relative to the tree. */
function ownFiles(): string[] {
  return readdirSync(stage)
    .filter((entry) => entry !== "node_modules")
    .flatMap((entry) =>
      lstatSync(join(stage, entry)).isDirectory()
        ? readdirSync(join(stage, entry), { recursive: true, encoding: "utf8" }).map((path) => join(entry, path))
        : [entry],
    );
}

const docs = trustedDocuments();
function persisted(name: string): Record<string, unknown> {
  const doc = docs[name];
  if (!doc) throw new Error(`no ${name} in the manifest`);
  return { extensions: { persistedQuery: { version: 1, sha256Hash: doc.hash } } };
}

beforeAll(async () => {
  await run(join(repoRoot, "scripts/image/build.sh"), [], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  stage = mkdtempSync(join(tmpdir(), "fedplat-image-"));
  await run(join(repoRoot, "scripts/image/stage.sh"), [stage], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  // Read-only for everyone, as the image's /app is for its user; readable and traversable by all.
  await run("chmod", ["-R", "a-w,a+rX", stage]);
  before = listing(stage);
  platform = await startPlatform({
    build: "dist",
    root: stage,
    // TRUSTED_DOCUMENTS unset: the production default (enforce).
    env: { NODE_ENV: "production", TRUSTED_DOCUMENTS: undefined },
  });
});
afterAll(async () => {
  await platform?.stop();
  if (stage) {
    await run("chmod", ["-R", "u+w", stage]);
    await run("rm", ["-rf", stage]);
  }
});

describe("the image's runtime tree (scripts/image/stage.sh), read-only, NODE_ENV=production", () => {
  it("holds no development dependency: no tsx, TypeScript, jest, biome, swc, turbo, Prisma CLI", () => {
    // What the lockfile installs only for development (dev, or devOptional: an optional peer of a production
    // package that only a devDependency brings, like TypeScript and the Prisma CLI for @prisma/client).
    const lock = JSON.parse(readFileSync(join(stage, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith("node_modules/") && (entry.dev || entry.devOptional))
      .map(([path]) => path);
    expect(devOnly).toEqual(
      expect.arrayContaining(
        ["tsx", "typescript", "jest", "@biomejs/biome", "turbo", "prisma", "@swc/core"].map(
          (name) => `node_modules/${name}`,
        ),
      ),
    );
    const installed = devOnly.filter((path) => existsSync(join(stage, path, "package.json")));
    expect(installed).toEqual([]);
    // nor nested under another package
    const nested = readdirSync(join(stage, "node_modules"), { recursive: true, encoding: "utf8" }).filter((path) =>
      /(^|\/)node_modules\/(tsx|typescript|jest|@biomejs|@swc|turbo|prisma)\/package\.json$/.test(path),
    );
    expect(nested).toEqual([]);
    // and no TypeScript source of our own: only compiled output (and the files read at runtime)
    const ours = ownFiles().filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"));
    expect(ours).toEqual([]);
  });

  it("runs every process from the staged dist/, nothing from the repository", () => {
    for (const [name, service] of Object.entries(platform.services)) {
      const args = service.child.spawnargs.join(" ");
      expect({ name, entry: args.includes(join(stage, service.spec.dir, "dist", "main.js")) }).toEqual({
        name,
        entry: true,
      });
      expect(args).toContain(`--conditions=${DIST_CONDITION}`);
      expect(args).not.toContain("tsx");
      expect(args).not.toContain(repoRoot);
    }
  });

  it("answers /health/ready on each admin port, as the image's HEALTHCHECK script checks it", async () => {
    for (const [name, service] of Object.entries(platform.services)) {
      expect([name, (await fetch(`${adminBaseOf(service)}/health/ready`)).status]).toEqual([name, 200]);
      const check = await run(process.execPath, ["scripts/image/healthcheck.mjs"], {
        cwd: stage,
        env: { PATH: process.env.PATH, NODE_ENV: "production", ADMIN_PORT: String(service.adminPort) },
      });
      expect(check.stderr).toBe("");
    }
    // nothing listening: unhealthy, with the reason
    await expect(
      run(process.execPath, ["scripts/image/healthcheck.mjs"], {
        cwd: stage,
        env: { PATH: process.env.PATH, NODE_ENV: "production", ADMIN_PORT: "1" },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("healthcheck:") });
  });

  it("serves a trusted document through the gateway, and refuses an ad-hoc one", async () => {
    const post = async (body: Record<string, unknown>) =>
      (await (
        await fetch(platform.gatewayUrl, {
          method: "POST",
          headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
          body: JSON.stringify(body),
        })
      ).json()) as {
        data?: { products: { totalCount: number; edges: unknown[] } };
        errors?: Array<{ extensions?: { code?: string } }>;
      };
    const answer = await post({ ...persisted("Products"), variables: { first: 2 } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.products.totalCount).toBeGreaterThan(0);
    expect(answer.data?.products.edges).toHaveLength(2);
    const adHoc = await post({ query: "{ products(first: 1) { totalCount } }" });
    expect(adHoc.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_REQUIRED");
  });

  it("left the tree exactly as staged (no process wrote to it)", () => {
    expect(listing(stage)).toEqual(before);
  });
});
