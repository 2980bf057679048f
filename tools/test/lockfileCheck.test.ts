import { lockfileProblems } from "../src/lockfileCheck";

const swc = {
  version: "1.16.22",
  optionalDependencies: { "@swc/core-darwin-arm64": "1.16.22", "@swc/core-linux-x64-gnu": "1.16.22" },
};

describe("lockfileProblems", () => {
  it("accepts a lockfile that holds every platform's binary and matches each package.json", () => {
    const packages = {
      "": { devDependencies: { "@swc/core": "1.16.22" } },
      gateway: { dependencies: { graphql: "16.15.0" } },
      "node_modules/@swc/core": swc,
      "node_modules/@swc/core-darwin-arm64": { version: "1.16.22" },
      "node_modules/@swc/core-linux-x64-gnu": { version: "1.16.22" },
    };
    const manifests = {
      "": { devDependencies: { "@swc/core": "1.16.22" } },
      gateway: { dependencies: { graphql: "16.15.0" } },
    };
    expect(lockfileProblems(packages, manifests)).toEqual([]);
  });

  it("names another platform's optional binary that the lockfile dropped", () => {
    const packages = {
      "": {},
      "node_modules/@swc/core": swc,
      "node_modules/@swc/core-linux-x64-gnu": { version: "1.16.22" },
    };
    expect(lockfileProblems(packages, { "": {} })).toEqual([
      "node_modules/@swc/core lists optional @swc/core-darwin-arm64, which package-lock.json does not hold",
    ]);
  });

  it("finds an optional dependency installed beside its parent in a nested node_modules", () => {
    const packages = {
      "": {},
      "node_modules/a/node_modules/@swc/core": swc,
      "node_modules/a/node_modules/@swc/core-darwin-arm64": { version: "1.16.22" },
      "node_modules/@swc/core-linux-x64-gnu": { version: "1.16.22" },
    };
    expect(lockfileProblems(packages, { "": {} })).toEqual([]);
  });

  it("reports a package.json whose dependencies differ from the lockfile's copy (npm ci: not in sync)", () => {
    const packages = { "": {}, workers: { dependencies: { bullmq: "6.7.0", ioredis: "5.11.1" } } };
    const manifests = { "": {}, workers: { dependencies: { bullmq: "6.8.0" } }, bench: {} };
    expect(lockfileProblems(packages, manifests)).toEqual([
      "workers dependencies.bullmq: package.json says 6.8.0, package-lock.json 6.7.0",
      "workers dependencies.ioredis: package.json says (absent), package-lock.json 5.11.1",
      "bench is not in package-lock.json",
    ]);
  });
});
