import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { defineSection } from "@fedplat/runtime";
import { z } from "zod";

const root = resolve(__dirname, "../../..");
/** A file path; a relative one is relative to the repository root, wherever the command runs. */
const path = z
  .string()
  .trim()
  .min(1)
  .transform((value) => (isAbsolute(value) ? value : resolve(root, value)));

/** `npm run compose` and `npm run schema:check`: which supergraph.yaml they compose. */
export const compositionSection = defineSection({
  path: "tools.composition",
  schema: z.object({
    supergraphConfig: path
      .prefault("supergraph.yaml")
      .refine((file) => existsSync(file), "no such file")
      .describe("The rover-style supergraph.yaml to compose (relative to the repository root)"),
  }),
  env: { names: { supergraphConfig: "SUPERGRAPH_CONFIG" } },
});

/** `npm run schema:check`: what the composed supergraph is compared with. */
export const schemaCheckSection = defineSection({
  path: "tools.schemaCheck",
  schema: z.object({
    baseline: path.prefault("supergraph.graphql").describe("The committed supergraph to compare with"),
    acknowledgements: path
      .prefault("schema/acknowledged-changes.yaml")
      .describe("Breaking changes acknowledged on purpose, each with its reason"),
    manifests: z
      .string()
      .default("packages/client/src/generated/persisted-documents.json")
      .transform((value) =>
        value
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean)
          .map((item) => (isAbsolute(item) ? item : resolve(root, item))),
      )
      .describe(
        "Comma-separated persisted-documents manifests whose operations must stay valid; missing files are skipped",
      ),
    gitRef: z
      .string()
      .trim()
      .regex(/^[\w./@^~-]+$/, "must be a branch, tag or commit (or none)")
      .default("main")
      .describe('The branch whose supergraph is the reference; "none" compares only with the committed file'),
    maxCostRatio: z.coerce
      .number()
      .min(1)
      .max(1_000)
      .default(1.5)
      .describe(
        "A client operation whose estimated cost grows more than this many times fails the check unless acknowledged (OPERATION_COST_INCREASED)",
      ),
  }),
  env: {
    names: {
      baseline: "SCHEMA_CHECK_BASELINE",
      acknowledgements: "SCHEMA_CHECK_ACKNOWLEDGEMENTS",
      manifests: "SCHEMA_CHECK_MANIFESTS",
      gitRef: "SCHEMA_CHECK_GIT_REF",
      maxCostRatio: "SCHEMA_CHECK_MAX_COST_RATIO",
    },
  },
});

/** The configuration sections of the build tools, for `npm run config`. */
export const toolsSections = { composition: compositionSection, schemaCheck: schemaCheckSection };
