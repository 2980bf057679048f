/**
 * `npm run schema:check`: composes the supergraph from the subgraphs' current SDL, compares it
 * with the committed supergraph.graphql and with main's, validates the published client
 * operations, and prints a report. Exit 0: passed; 1: a breaking change or a broken client
 * operation; 2: invalid input (configuration, SDL that does not compose, acknowledgements file, manifest).
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError, parseCommandLine, parseEnv } from "@fedplat/runtime";
import { z } from "zod";
import { AcknowledgementFileError } from "./acknowledgements";
import { ClientManifestError } from "./clientOperations";
import { CompositionError } from "./composeSupergraph";
import { runSchemaCheck } from "./schemaCheck";
import { formatSchemaCheckReport } from "./schemaCheckReport";

const root = resolve(__dirname, "../../..");
const path = z
  .string()
  .trim()
  .min(1)
  .transform((value) => (isAbsolute(value) ? value : resolve(root, value)));

const schemaCheckEnv = z.object({
  SUPERGRAPH_CONFIG: path.default("supergraph.yaml").refine((file) => existsSync(file), "no such file"),
  SCHEMA_CHECK_BASELINE: path.default("supergraph.graphql"),
  SCHEMA_CHECK_ACKNOWLEDGEMENTS: path.default("schema/acknowledged-changes.yaml"),
  /** Comma-separated persisted-documents manifests; missing files are skipped. */
  SCHEMA_CHECK_MANIFESTS: z
    .string()
    .default("packages/client/src/generated/persisted-documents.json")
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => (isAbsolute(item) ? item : resolve(root, item))),
    ),
  /** The branch whose supergraph is the reference; "none" compares only with the committed file. */
  SCHEMA_CHECK_GIT_REF: z
    .string()
    .trim()
    .regex(/^[\w./@^~-]+$/, "must be a branch, tag or commit (or none)")
    .default("main"),
});

const USAGE = `usage: npm run schema:check

Composes the supergraph from the subgraphs' SDL, compares it with the committed supergraph.graphql
and with the reference branch's, validates the published client operations, and prints a report.

environment (all optional):
  SUPERGRAPH_CONFIG              default supergraph.yaml
  SCHEMA_CHECK_BASELINE          default supergraph.graphql
  SCHEMA_CHECK_ACKNOWLEDGEMENTS  default schema/acknowledged-changes.yaml
  SCHEMA_CHECK_MANIFESTS         comma-separated persisted-documents manifests
  SCHEMA_CHECK_GIT_REF           reference branch, tag or commit; "none" (default main)

options:
  -h, --help   print this text

exit codes: 0 passed, 1 a breaking change or a broken client operation, 2 invalid input`;

async function main(): Promise<number> {
  parseCommandLine({ usage: USAGE });
  const env = parseEnv(schemaCheckEnv);
  const result = await runSchemaCheck({
    configPath: env.SUPERGRAPH_CONFIG,
    baselinePath: env.SCHEMA_CHECK_BASELINE,
    gitRef: env.SCHEMA_CHECK_GIT_REF === "none" ? undefined : env.SCHEMA_CHECK_GIT_REF,
    acknowledgementsPath: env.SCHEMA_CHECK_ACKNOWLEDGEMENTS,
    manifestPaths: env.SCHEMA_CHECK_MANIFESTS,
  });
  console.log(formatSchemaCheckReport(result));
  return result.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = [ConfigError, CompositionError, AcknowledgementFileError, ClientManifestError].some(
      (kind) => error instanceof kind,
    );
    console.error(`schema check could not run: ${known && error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
