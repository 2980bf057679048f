import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@fedplat/devkit";
import { composeSupergraph, runSchemaCheck, type SchemaCheckResult } from "@fedplat/tools";

const run = promisify(execFile);
const FIXTURE = join(__dirname, "fixtures/schema-check");
const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

interface Workspace {
  dir: string;
  config: string;
  baseline: string;
  acknowledgements: string;
  manifest: string;
}

type Edit = [file: string, from: string, to: string];

/** Writes `file` of the workspace with each edit applied; an edit that matches nothing fails the test. */
function edit(dir: string, edits: readonly Edit[]) {
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, "utf8");
    if (!text.includes(from)) throw new Error(`fixture edit: ${file} has no ${JSON.stringify(from)}`);
    writeFileSync(path, text.replace(from, to));
  }
}

/**
 * A copy of the fixture graph whose supergraph.graphql is composed from the unchanged SDL (what
 * main has committed), then `edits` applied to the subgraph SDL (what a developer changed).
 */
function workspace(edits: readonly Edit[] = []): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "schema-check-"));
  workspaces.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  const ws = {
    dir,
    config: join(dir, "supergraph.yaml"),
    baseline: join(dir, "supergraph.graphql"),
    acknowledgements: join(dir, "acknowledged-changes.yaml"),
    manifest: join(dir, "persisted-documents.json"),
  };
  writeFileSync(ws.baseline, composeSupergraph(ws.config).supergraphSdl);
  edit(dir, edits);
  return ws;
}

const check = (ws: Workspace, gitRef?: string) =>
  runSchemaCheck({
    configPath: ws.config,
    baselinePath: ws.baseline,
    gitRef,
    acknowledgementsPath: ws.acknowledgements,
    manifestPaths: [ws.manifest],
  });

function changesOf(result: SchemaCheckResult) {
  const [committed] = result.comparisons;
  if (committed?.status !== "compared")
    throw new Error(`expected a comparison with the committed supergraph, got ${JSON.stringify(committed)}`);
  return committed.changes.map(({ type, path, verdict }) => ({ type, path, verdict }));
}

/** `npm run schema:check` as a child process, pointed at a fixture workspace. */
async function cli(ws: Workspace, env: Record<string, string> = {}) {
  const entry = join(repoRoot, "tools/src/composition/schemaCheckCli.ts");
  const environment = {
    ...process.env,
    SUPERGRAPH_CONFIG: ws.config,
    SCHEMA_CHECK_BASELINE: ws.baseline,
    SCHEMA_CHECK_ACKNOWLEDGEMENTS: ws.acknowledgements,
    SCHEMA_CHECK_MANIFESTS: ws.manifest,
    SCHEMA_CHECK_GIT_REF: "none",
    ...env,
  };
  return run(process.execPath, ["--import", "tsx", entry], { cwd: repoRoot, env: environment }).then(
    ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: `${error.stdout}${error.stderr}`,
    }),
  );
}

describe("schema check: classification of fixture changes", () => {
  it("reports no change for the unchanged graph, and lists deprecated fields that client operations still use", async () => {
    const result = await check(workspace());
    expect(changesOf(result)).toEqual([]);
    expect(result.failures).toEqual([]);
    expect(result.operations.count).toBe(2);
    expect(result.deprecated).toEqual([
      { coordinate: "Product.legacyCode", reason: "Use sku.", operations: ["LegacyCodes"] },
      { coordinate: "Query.products.limit", reason: "Use first.", operations: ["LegacyCodes"] },
    ]);
  });

  it("a removed field is breaking and fails the check until acknowledged", async () => {
    const result = await check(workspace([["reviews.graphql", "  body: String\n", ""]]));
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Review.body", verdict: "breaking" }]);
    expect(result.failures).toEqual([
      expect.stringContaining("unacknowledged breaking change FIELD_REMOVED at Review.body"),
    ]);
  });

  it("a changed argument type is breaking", async () => {
    const result = await check(
      workspace([["products.graphql", "products(first: Int = 20", "products(first: Int! = 20"]]),
    );
    expect(changesOf(result)).toEqual([
      { type: "FIELD_ARGUMENT_TYPE_CHANGED", path: "Query.products.first", verdict: "breaking" },
    ]);
    expect(result.failures).toHaveLength(1);
  });

  it("a new nullable field is safe", async () => {
    const result = await check(
      workspace([["reviews.graphql", "  body: String\n", "  body: String\n  title: String\n"]]),
    );
    expect(changesOf(result)).toEqual([{ type: "FIELD_ADDED", path: "Review.title", verdict: "safe" }]);
    expect(result.failures).toEqual([]);
  });

  it("a new enum value is dangerous (clients with exhaustive switches may break) but does not fail", async () => {
    const result = await check(workspace([["products.graphql", "  SMALL\n", "  SMALL\n  MEDIUM\n"]]));
    expect(changesOf(result)).toEqual([{ type: "ENUM_VALUE_ADDED", path: "Size.MEDIUM", verdict: "dangerous" }]);
    expect(result.failures).toEqual([]);
  });

  it("an acknowledged breaking change passes, with its reason", async () => {
    const ws = workspace([["reviews.graphql", "  body: String\n", ""]]);
    writeFileSync(
      ws.acknowledgements,
      "acknowledged:\n  - coordinate: Review.body\n    change: FIELD_REMOVED\n    reason: Review bodies moved to the moderation service.\n",
    );
    const result = await check(ws);
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Review.body", verdict: "acknowledged" }]);
    expect(result.failures).toEqual([]);
  });

  it("an acknowledgement for a different change type does not cover the break", async () => {
    const ws = workspace([["reviews.graphql", "  body: String\n", ""]]);
    writeFileSync(
      ws.acknowledgements,
      "acknowledged:\n  - coordinate: Review.body\n    change: FIELD_TYPE_CHANGED\n    reason: Only the type was meant to change.\n",
    );
    const result = await check(ws);
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Review.body", verdict: "breaking" }]);
    expect(result.unusedAcknowledgements).toEqual([expect.objectContaining({ coordinate: "Review.body" })]);
  });
});

describe("schema check: client operations", () => {
  it("names the client operation and the field a subgraph change breaks", async () => {
    const result = await check(workspace([["products.graphql", "  sku: String!\n", ""]]));
    expect(result.broken.map(({ operation, errors }) => ({ name: operation.name, errors }))).toEqual([
      { name: "ProductPage", errors: ['Cannot query field "sku" on type "Product".'] },
    ]);
    expect(result.failures).toContain(
      'client operation "ProductPage" (ea440b041ae7cc4d763485175e0ccd935fa82f8e7ad8e7fe833b2f1881d4a337) breaks: Cannot query field "sku" on type "Product".',
    );
  });

  it("an acknowledgement does not excuse breaking a published client operation", async () => {
    const ws = workspace([["products.graphql", "  sku: String!\n", ""]]);
    writeFileSync(
      ws.acknowledgements,
      "acknowledged:\n  - coordinate: Product.sku\n    reason: We want it gone, clients or not.\n",
    );
    const result = await check(ws);
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Product.sku", verdict: "acknowledged" }]);
    expect(result.failures).toEqual([expect.stringContaining('client operation "ProductPage"')]);
  });

  it("a deprecated field still used by a client operation cannot be removed", async () => {
    const result = await check(
      workspace([["products.graphql", '  legacyCode: String @deprecated(reason: "Use sku.")\n', ""]]),
    );
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Product.legacyCode", verdict: "breaking" }]);
    expect(result.failures).toEqual(
      expect.arrayContaining([
        expect.stringContaining("FIELD_REMOVED at Product.legacyCode"),
        expect.stringContaining('client operation "LegacyCodes"'),
      ]),
    );
  });

  it("a deprecated argument still used by a client operation cannot be removed; once unused it is retired", async () => {
    const removeLimit: Edit = ["products.graphql", ', limit: Int @deprecated(reason: "Use first.")', ""];
    const used = await check(workspace([removeLimit]));
    expect(changesOf(used)).toEqual([
      { type: "FIELD_ARGUMENT_REMOVED", path: "Query.products.limit", verdict: "breaking" },
    ]);
    expect(used.failures).toEqual(
      expect.arrayContaining([
        expect.stringContaining('client operation "LegacyCodes"'),
        expect.stringContaining('Unknown argument "limit" on field "Query.products".'),
      ]),
    );

    const ws = workspace([removeLimit]);
    const manifest = JSON.parse(readFileSync(ws.manifest, "utf8")) as Record<string, string>;
    writeFileSync(
      ws.manifest,
      JSON.stringify(
        Object.fromEntries(Object.entries(manifest).filter(([, document]) => !document.includes("LegacyCodes"))),
      ),
    );
    const unused = await check(ws);
    expect(changesOf(unused)).toEqual([
      { type: "FIELD_ARGUMENT_REMOVED", path: "Query.products.limit", verdict: "retired" },
    ]);
    expect(unused.failures).toEqual([]);
  });

  it("removing an argument that was never deprecated is breaking even when unused", async () => {
    const result = await check(
      workspace([["products.graphql", "products(first: Int = 20, size: Size,", "products(first: Int = 20,"]]),
    );
    expect(changesOf(result)).toEqual([
      { type: "FIELD_ARGUMENT_REMOVED", path: "Query.products.size", verdict: "breaking" },
    ]);
  });

  it("a deprecated field no client operation uses any more is retired without an acknowledgement", async () => {
    const ws = workspace([["products.graphql", '  legacyCode: String @deprecated(reason: "Use sku.")\n', ""]]);
    const manifest = JSON.parse(readFileSync(ws.manifest, "utf8")) as Record<string, string>;
    writeFileSync(
      ws.manifest,
      JSON.stringify(
        Object.fromEntries(Object.entries(manifest).filter(([, document]) => !document.includes("LegacyCodes"))),
      ),
    );
    const result = await check(ws);
    expect(changesOf(result)).toEqual([{ type: "FIELD_REMOVED", path: "Product.legacyCode", verdict: "retired" }]);
    expect(result.failures).toEqual([]);
  });
});

describe("schema check: baselines in git", () => {
  const git = (dir: string, ...args: string[]) =>
    execFileSync(
      "git",
      ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args],
      { cwd: dir, stdio: "pipe" },
    );

  it("compares with main's supergraph even after the committed one was recomposed", async () => {
    const ws = workspace();
    git(ws.dir, "init", "-q");
    git(ws.dir, "add", "-A");
    git(ws.dir, "commit", "-qm", "main");
    expect((await check(ws, "main")).comparisons.map((c) => c.status)).toEqual(["compared", "same"]);

    git(ws.dir, "checkout", "-qb", "feature");
    edit(ws.dir, [["reviews.graphql", "  body: String\n", ""]]);
    writeFileSync(ws.baseline, composeSupergraph(ws.config).supergraphSdl); // the developer ran `npm run compose`
    git(ws.dir, "commit", "-qam", "drop Review.body");
    const result = await check(ws, "main");
    const [committed, main] = result.comparisons;
    expect(committed).toMatchObject({ status: "compared", changes: [] });
    expect(main).toMatchObject({
      status: "compared",
      changes: [{ type: "FIELD_REMOVED", path: "Review.body", verdict: "breaking" }],
    });
    expect(result.failures).toHaveLength(1);
  });

  it("compares a branch behind main with the commit it forked from, so main's newer additions are not its removals", async () => {
    const ws = workspace();
    git(ws.dir, "init", "-q");
    git(ws.dir, "add", "-A");
    git(ws.dir, "commit", "-qm", "main");
    git(ws.dir, "checkout", "-qb", "feature");
    edit(ws.dir, [["reviews.graphql", "  body: String\n", ""]]);
    writeFileSync(ws.baseline, composeSupergraph(ws.config).supergraphSdl);
    git(ws.dir, "commit", "-qam", "drop Review.body");
    // meanwhile main gains a field
    git(ws.dir, "checkout", "-q", "main");
    edit(ws.dir, [["products.graphql", "  sku: String!\n", "  sku: String!\n  color: String\n"]]);
    writeFileSync(ws.baseline, composeSupergraph(ws.config).supergraphSdl);
    git(ws.dir, "commit", "-qam", "add Product.color");
    git(ws.dir, "checkout", "-q", "feature");

    const [, main] = (await check(ws, "main")).comparisons;
    expect(main).toMatchObject({
      status: "compared",
      label: expect.stringContaining("main where this branch forked from it"),
      changes: [{ type: "FIELD_REMOVED", path: "Review.body" }],
    });
  });

  it("skips the main comparison, saying why, outside a git repository or without the branch", async () => {
    const ws = workspace();
    expect((await check(ws, "main")).comparisons[1]).toEqual({
      label: "main",
      status: "skipped",
      reason: "not a git repository",
    });
    git(ws.dir, "init", "-q");
    git(ws.dir, "checkout", "-qb", "only-branch");
    git(ws.dir, "add", "-A");
    git(ws.dir, "commit", "-qm", "first");
    expect((await check(ws, "main")).comparisons[1]).toEqual({
      label: "main",
      status: "skipped",
      reason: "no branch or commit named main",
    });
  });
});

describe("npm run schema:check (the CLI as a child process)", () => {
  it("fails on an unacknowledged breaking change, naming it and how to acknowledge it", async () => {
    const { code, output } = await cli(workspace([["reviews.graphql", "  body: String\n", ""]]));
    expect(code).toBe(1);
    expect(output).toMatch(/BREAKING\s+FIELD_REMOVED Review\.body: Field 'body' was removed from object type 'Review'/);
    expect(output).toContain("FAILED: 1 problem(s)");
    expect(output).toContain("schema/acknowledged-changes.yaml");
  }, 60_000);

  it("passes once the change is acknowledged, printing the reason, and names broken client operations otherwise", async () => {
    const ws = workspace([
      ["reviews.graphql", "  body: String\n", ""],
      ["products.graphql", "  sku: String!\n", ""],
    ]);
    writeFileSync(
      ws.acknowledgements,
      "acknowledged:\n  - coordinate: Review.body\n    reason: Review bodies moved to the moderation service.\n",
    );
    const broken = await cli(ws);
    expect(broken.code).toBe(1);
    expect(broken.output).toMatch(/ACKNOWLEDGED FIELD_REMOVED Review\.body/);
    expect(broken.output).toContain("reason: Review bodies moved to the moderation service.");
    expect(broken.output).toMatch(
      /BROKEN\s+"ProductPage" \(ea440b04\w+\)\n\s+Cannot query field "sku" on type "Product"\./,
    );

    edit(ws.dir, [["products.graphql", "  name: String!\n", "  name: String!\n  sku: String!\n"]]);
    const fixed = await cli(ws);
    expect(fixed.code).toBe(0);
    expect(fixed.output).toContain("PASSED");
    expect(fixed.output).toContain("Product.legacyCode (Use sku.): LegacyCodes");
  }, 60_000);

  it("rejects an invalid acknowledgements file with exit code 2, naming the entry", async () => {
    const ws = workspace();
    writeFileSync(ws.acknowledgements, "acknowledged:\n  - coordinate: Review body\n    reason: short\n");
    const { code, output } = await cli(ws);
    expect(code).toBe(2);
    expect(output).toContain("acknowledged.0.coordinate: must be a coordinate");
    expect(output).toContain("acknowledged.0.reason: must say why");
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});

describe("schema check: client operations' query plans and estimated costs", () => {
  const operationsOf = (result: SchemaCheckResult) => {
    const [committed] = result.comparisons;
    if (committed?.status !== "compared") throw new Error("expected a comparison with the committed supergraph");
    return committed.operations.map(({ name, before, after, verdict }) => ({ name, before, after, verdict }));
  };
  const sizedReviews: Edit[] = [
    ["reviews.graphql", 'federation/v2.5", import: ["@key"]', 'federation/v2.9", import: ["@key", "@listSize"]'],
    ["reviews.graphql", "  reviews: [Review!]!\n", "  reviews: [Review!]! @listSize(assumedSize: 50)\n"],
  ];

  it("prices and plans every client operation on both supergraphs; an unchanged graph changes nothing", async () => {
    const result = await check(workspace());
    // ProductPage: product 1 + reviews (no @listSize: 10 assumed) x 1, fetched from products then reviews.
    const productPage = { cost: 11, fetches: 2, depth: 2 };
    const legacyCodes = { cost: 10, fetches: 1, depth: 1 };
    expect(operationsOf(result)).toEqual([
      { name: "ProductPage", before: productPage, after: productPage, verdict: "unchanged" },
      { name: "LegacyCodes", before: legacyCodes, after: legacyCodes, verdict: "unchanged" },
    ]);
    expect(result.failures).toEqual([]);
  });

  it("reports a plan that gains a subgraph fetch without failing", async () => {
    const result = await check(
      workspace([
        ["products.graphql", '  legacyCode: String @deprecated(reason: "Use sku.")\n', ""],
        [
          "reviews.graphql",
          "  reviews: [Review!]!\n",
          '  reviews: [Review!]!\n  legacyCode: String @deprecated(reason: "Use sku.")\n',
        ],
      ]),
    );
    expect(operationsOf(result)).toContainEqual({
      name: "LegacyCodes",
      before: { cost: 10, fetches: 1, depth: 1 },
      after: { cost: 10, fetches: 2, depth: 2 },
      verdict: "changed",
    });
    expect(result.failures).toEqual([]);
  });

  it("fails when an operation's estimated cost grows past the ratio, until acknowledged by its name", async () => {
    const ws = workspace(sizedReviews);
    const result = await check(ws);
    expect(operationsOf(result)).toContainEqual({
      name: "ProductPage",
      before: { cost: 11, fetches: 2, depth: 2 },
      after: { cost: 51, fetches: 2, depth: 2 },
      verdict: "costlier",
    });
    expect(result.failures).toEqual([
      expect.stringMatching(/^client operation "ProductPage" \(ea440b04\w+\) is estimated to cost 51, 11 before/),
    ]);

    writeFileSync(
      ws.acknowledgements,
      "acknowledged:\n  - coordinate: ProductPage\n    change: OPERATION_COST_INCREASED\n    reason: Product pages show every review now.\n",
    );
    const acknowledged = await check(ws);
    expect(operationsOf(acknowledged)).toContainEqual(expect.objectContaining({ verdict: "acknowledged" }));
    expect(acknowledged.failures).toEqual([]);
    expect(acknowledged.unusedAcknowledgements).toEqual([]);
  });

  it("prints each operation's cost, fetches and depth; the ratio is configurable", async () => {
    const ws = workspace(sizedReviews);
    const failed = await cli(ws);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/COSTLIER\s+ProductPage\s+cost 11 -> 51 \(x4\.64\), fetches 2, depth 2/);
    expect(failed.output).toMatch(/same\s+LegacyCodes\s+cost 10, fetches 1, depth 1/);
    const lenient = await cli(ws, { SCHEMA_CHECK_MAX_COST_RATIO: "5" });
    expect(lenient.code).toBe(0);
    expect(lenient.output).toMatch(/CHANGED\s+ProductPage\s+cost 11 -> 51/);
  }, 60_000);
});
