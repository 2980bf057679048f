/**
 * `npm run schema:check`: composes the supergraph from the subgraphs' current SDL, compares it
 * with the committed supergraph.graphql and with main's, validates the published client
 * operations and compares their query plans and estimated costs, and prints a report. Exit 0:
 * passed; 1: a breaking change, a broken client operation or one whose cost grew past the ratio;
 * 2: invalid input (configuration, SDL that does not compose, acknowledgements file, manifest).
 */
import { ConfigError, loadConfig, parseCommandLine } from "@fedplat/runtime";
import { AcknowledgementFileError } from "./acknowledgements";
import { ClientManifestError } from "./clientOperations";
import { CompositionError } from "./composeSupergraph";
import { compositionSection, schemaCheckSection } from "./compositionConfig";
import { runSchemaCheck } from "./schemaCheck";
import { formatSchemaCheckReport } from "./schemaCheckReport";

const USAGE = `usage: npm run schema:check

Composes the supergraph from the subgraphs' SDL, compares it with the committed supergraph.graphql
and with the reference branch's, validates the published client operations, prints how each one's
query plan and estimated cost change, and prints a report.

environment (all optional):
  SUPERGRAPH_CONFIG              default supergraph.yaml
  SCHEMA_CHECK_BASELINE          default supergraph.graphql
  SCHEMA_CHECK_ACKNOWLEDGEMENTS  default schema/acknowledged-changes.yaml
  SCHEMA_CHECK_MANIFESTS         comma-separated persisted-documents manifests
  SCHEMA_CHECK_GIT_REF           reference branch, tag or commit; "none" (default main)
  SCHEMA_CHECK_MAX_COST_RATIO    a client operation's estimated cost may grow this many times (default 1.5)

options:
  -h, --help   print this text

exit codes: 0 passed, 1 a breaking change, a broken client operation or one grown too costly, 2 invalid input`;

async function main(): Promise<number> {
  parseCommandLine({ usage: USAGE });
  const { composition, check } = loadConfig({ composition: compositionSection, check: schemaCheckSection });
  const result = await runSchemaCheck({
    configPath: composition.supergraphConfig,
    baselinePath: check.baseline,
    gitRef: check.gitRef === "none" ? undefined : check.gitRef,
    acknowledgementsPath: check.acknowledgements,
    manifestPaths: check.manifests,
    maxCostRatio: check.maxCostRatio,
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
