// The unit tier (`npm run test:unit`): every test that needs no PostgreSQL, Redis or child
// process, from every workspace, in one jest run. Tiers are named by file suffix: `*.int.test.ts`
// needs real engines, `*.e2e.test.ts` runs the platform as processes; both run only in `npm test`.
// The engines' addresses point at a closed port here, so a unit test that reaches one fails
// instead of passing on a developer's machine by luck.
const { existsSync } = require("node:fs");
const { join } = require("node:path");

process.env.DATABASE_URL = "postgresql://unit-tier@127.0.0.1:9/none";
process.env.REDIS_URL = "redis://127.0.0.1:9";

const base = require("./jest.base.js");
const workspaces = require("./package.json").workspaces.flatMap((pattern) =>
  pattern.endsWith("/*")
    ? require("node:fs")
        .readdirSync(join(__dirname, pattern.slice(0, -2)))
        .map((name) => join(pattern.slice(0, -2), name))
    : [pattern],
);

/** @type {import('jest').Config} */
module.exports = {
  projects: workspaces
    .filter((dir) => existsSync(join(__dirname, dir, "jest.config.js")))
    .map((dir) => ({
      ...require(join(__dirname, dir, "jest.config.js")),
      displayName: dir,
      rootDir: join(__dirname, dir),
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, "\\.int\\.test\\.ts$", "\\.e2e\\.test\\.ts$"],
    })),
};
