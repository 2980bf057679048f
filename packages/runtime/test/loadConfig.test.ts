import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, defineSection, describeSection, loadConfig, maskSecrets, readConfigFile } from "../src";

const limits = defineSection({
  path: "gateway.limits",
  schema: z.object({
    maxDepth: z.coerce.number().int().min(1).max(100).default(12).describe("Deepest selection"),
    bodyLimit: z.string().default("100kb").describe("Largest body"),
    token: z.string().min(8).optional().describe("A secret"),
    urls: z.record(z.string(), z.url()).default({}).describe("Per subgraph"),
  }),
  env: { prefix: "GRAPHQL_", names: { bodyLimit: "BODY_LIMIT" } },
  envMaps: [{ option: "urls", pattern: /^SUBGRAPH_([A-Z0-9_]+)_URL$/ }],
  secrets: ["token"],
});

function fileWith(yaml: string) {
  const path = join(mkdtempSync(join(tmpdir(), "fedplat-config-")), "fedplat.config.yaml");
  writeFileSync(path, yaml);
  return readConfigFile(path);
}

describe("loadConfig", () => {
  it("gives each section its defaults when neither the file nor the environment sets anything", () => {
    expect(loadConfig({ limits }, { env: {}, file: false }).limits).toEqual({
      maxDepth: 12,
      bodyLimit: "100kb",
      urls: {},
    });
  });

  it("reads the section at its path in the file, and the environment wins over the file", () => {
    const file = fileWith(
      "gateway:\n  limits:\n    maxDepth: 20\n    bodyLimit: 1mb\n    urls: { ORDERS: 'http://o:1/graphql' }\n",
    );
    const config = loadConfig(
      { limits },
      { env: { GRAPHQL_MAX_DEPTH: "30", SUBGRAPH_ACCOUNTS_URL: "http://a:2/graphql" }, file },
    );
    expect(config.limits).toEqual({
      maxDepth: 30,
      bodyLimit: "1mb",
      urls: { ORDERS: "http://o:1/graphql", ACCOUNTS: "http://a:2/graphql" },
    });
  });

  it("names the option, its variable and where a bad value came from, all problems at once", () => {
    const file = fileWith("gateway:\n  limits:\n    maxDepht: 3\n    bodyLimit: 7\n");
    let message = "";
    try {
      loadConfig({ limits }, { env: { GRAPHQL_MAX_DEPTH: "deep", GRAPHQL_TOKEN: "short" }, file });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain("gateway.limits.maxDepht: unknown option (in ");
    expect(message).toMatch(/ GRAPHQL_MAX_DEPTH: .*\(currently: "deep"; option gateway\.limits\.maxDepth\)/);
    expect(message).toMatch(/ gateway\.limits\.bodyLimit: .*\(currently: 7, in .*fedplat\.config\.yaml\)/);
    expect(message).toMatch(/ GRAPHQL_TOKEN: .*\(currently: set, hidden; option gateway\.limits\.token\)/);
    expect(message).not.toContain("short");
  });

  it("refuses a file that is not YAML, or a section that is not a mapping", () => {
    expect(() => fileWith("gateway: [1\n")).toThrow(/not valid YAML/);
    expect(() => loadConfig({ limits }, { env: {}, file: fileWith("gateway:\n  limits: 5\n") })).toThrow(
      /gateway\.limits: must be a mapping of options/,
    );
  });

  it("describes every option with its variable and default, and masks secrets for printing", () => {
    expect(describeSection(limits)).toEqual([
      {
        path: "gateway.limits.maxDepth",
        env: "GRAPHQL_MAX_DEPTH",
        defaultValue: "12",
        description: "Deepest selection",
        secret: false,
      },
      {
        path: "gateway.limits.bodyLimit",
        env: "BODY_LIMIT",
        defaultValue: '"100kb"',
        description: "Largest body",
        secret: false,
      },
      {
        path: "gateway.limits.token",
        env: "GRAPHQL_TOKEN",
        defaultValue: "unset",
        description: "A secret",
        secret: true,
      },
      {
        path: "gateway.limits.urls",
        env: "SUBGRAPH_<NAME>_URL",
        defaultValue: "{}",
        description: "Per subgraph",
        secret: false,
      },
    ]);
    expect(maskSecrets(limits, { maxDepth: 3, token: "abcdefghij" })).toEqual({ maxDepth: 3, token: "***" });
  });
});
